import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { createTheme, type CSSVariablesResolver, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { I18nProvider } from './i18n.tsx';
import { registerServiceWorker } from './offline.ts';

const theme = createTheme({
  primaryColor: 'teal',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  defaultRadius: 'md',
  // WCAG 2.1 AA (4.5:1 for text), checked by axe-core on every screen in the browser suite:
  // filled surfaces use the darkest shade in the light scheme, and their text is black or
  // white by the background's luminance.
  primaryShade: { light: 9, dark: 8 },
  autoContrast: true,
  luminanceThreshold: 0.18,
  components: {
    // A link inside text is underlined, not told apart by colour alone.
    Anchor: { defaultProps: { underline: 'always' } },
  },
});

/** `hex` mixed toward black (0: unchanged, 1: black). */
function darken(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const c = [n >> 16, (n >> 8) & 255, n & 255].map((v) => Math.round(v * (1 - amount)));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Text in the light scheme: dimmed text, and the text of light/outline variants (badges,
 * the active navigation item) dark enough to read on their tinted backgrounds — the
 * palette's darkest shade is not enough for yellow, orange or lime.
 */
const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7]!,
    '--mantine-color-anchor': t.colors.teal[9]!,
    '--mantine-primary-color-light-color': darken(t.colors.teal[9]!, 0.3),
    ...Object.fromEntries(
      Object.keys(t.colors).flatMap((name) => [
        [`--mantine-color-${name}-light-color`, darken(t.colors[name]![9]!, 0.35)],
        [`--mantine-color-${name}-text`, darken(t.colors[name]![9]!, 0.2)],
        [`--mantine-color-${name}-outline`, t.colors[name]![9]!],
      ]),
    ),
  },
  dark: {},
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider defaultColorScheme="auto" theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="bottom-right" />
      <I18nProvider>
        <App />
      </I18nProvider>
    </MantineProvider>
  </StrictMode>,
);

registerServiceWorker();
