/**
 * A new incident while the NOC's tab is in the background: a browser notification (the
 * user allows it once, from the dashboard) and, if they turned it on, a short sound. Both
 * are local to this browser; people away from the screen get e-mail and Telegram.
 */
import { useCallback, useState } from 'react';

const SOUND_KEY = 'emerald.alertSound';

type Permission = 'default' | 'granted' | 'denied' | 'unsupported';

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : (Notification.permission as Permission);
}

/** Two short tones (no audio file to load or to be blocked). */
function beep(): void {
  try {
    const ctx = new AudioContext();
    const tone = (freq: number, start: number) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.2, ctx.currentTime + start);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + start + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + start);
      osc.stop(ctx.currentTime + start + 0.25);
    };
    tone(880, 0);
    tone(660, 0.3);
    setTimeout(() => void ctx.close(), 1000);
  } catch {
    // No audio output: the notification is enough.
  }
}

export interface IncidentAlert {
  id: string;
  title: string;
  body: string;
}

export function useBrowserAlerts(onOpen: (id: string) => void) {
  const [permission, setPermission] = useState<Permission>(currentPermission);
  const [sound, setSoundState] = useState(() => localStorage.getItem(SOUND_KEY) === 'on');
  const setSound = useCallback((on: boolean) => {
    localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
    setSoundState(on);
  }, []);
  const request = useCallback(async () => {
    if (typeof Notification === 'undefined') return;
    setPermission((await Notification.requestPermission()) as Permission);
  }, []);
  const announce = useCallback(
    (alert: IncidentAlert) => {
      // On screen the dashboard already shows it; only a tab in the background is told.
      if (document.visibilityState === 'visible' && document.hasFocus()) return;
      if (currentPermission() === 'granted') {
        const n = new Notification(alert.title, { body: alert.body, tag: `incident-${alert.id}` });
        n.onclick = () => {
          window.focus();
          onOpen(alert.id);
          n.close();
        };
      }
      if (localStorage.getItem(SOUND_KEY) === 'on') beep();
    },
    [onOpen],
  );
  return { permission, request, sound, setSound, announce };
}
