/**
 * The monitor: sign-in, then the application shell with role-aware navigation. The
 * GraphQL client (and its live WebSocket link) exists only while signed in.
 */
import {
  ActionIcon,
  Alert,
  AppShell,
  Badge,
  Box,
  Burger,
  Button,
  Center,
  Group,
  Loader,
  Menu,
  NavLink,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure, useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider, type Client } from 'urql';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { useI18n, type MessageKey } from './i18n.tsx';
import type { Me, Role } from './me.ts';
import { SearchBox } from './search.tsx';
import { createEmeraldClient } from './urql.ts';

const Dashboard = lazy(() => import('./pages/Dashboard.tsx'));
const Onus = lazy(() => import('./pages/Onus.tsx'));
const SearchPage = lazy(() => import('./pages/Search.tsx'));
const ConnectionPage = lazy(() => import('./pages/Connection.tsx'));
const CustomerPage = lazy(() => import('./pages/Customer.tsx'));
const Tickets = lazy(() => import('./pages/Tickets.tsx'));
const TicketPage = lazy(() => import('./pages/Ticket.tsx'));
const WorkOrders = lazy(() => import('./pages/WorkOrders.tsx'));
const Admin = lazy(() => import('./pages/Admin.tsx'));
const Incidents = lazy(() => import('./pages/Incidents.tsx'));
const IncidentPage = lazy(() => import('./pages/Incident.tsx'));
const Alerts = lazy(() => import('./pages/Alerts.tsx'));
const MyAlerts = lazy(() => import('./pages/MyAlerts.tsx'));
const MapPage = lazy(() => import('./pages/Map.tsx'));
const StockPage = lazy(() => import('./pages/Stock.tsx'));

async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const res = await fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T };
}

const NAV: { to: string; key: MessageKey; roles: Role[] }[] = [
  { to: '/', key: 'nav.dashboard', roles: ['ADMIN', 'NOC', 'SUPPORT'] },
  { to: '/incidents', key: 'nav.incidents', roles: ['ADMIN', 'NOC', 'SUPPORT'] },
  { to: '/map', key: 'nav.map', roles: ['ADMIN', 'NOC', 'SUPPORT', 'TECHNICIAN'] },
  { to: '/onus', key: 'nav.onus', roles: ['ADMIN', 'NOC', 'SUPPORT'] },
  { to: '/search', key: 'nav.search', roles: ['ADMIN', 'NOC', 'SUPPORT'] },
  { to: '/tickets', key: 'nav.tickets', roles: ['ADMIN', 'SUPPORT'] },
  { to: '/work-orders', key: 'nav.workOrders', roles: ['ADMIN', 'SUPPORT', 'TECHNICIAN'] },
  { to: '/stock', key: 'nav.stock', roles: ['ADMIN', 'SUPPORT', 'NOC', 'TECHNICIAN'] },
  { to: '/alerts', key: 'nav.alerts', roles: ['ADMIN', 'NOC'] },
  { to: '/admin', key: 'nav.admin', roles: ['ADMIN', 'NOC'] },
];

const ME_KEY = 'emerald:me';
/** Read by screen readers, not shown. */
const HIDDEN = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' } as const;

export function home(role: Role): string {
  return role === 'TECHNICIAN' ? '/work-orders' : '/';
}

function Login({ onSignedIn, expired }: { onSignedIn(me: Me): void; expired: boolean }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await gql<{ login: { __typename: string; session?: { user: Me }; code?: string } }>(
        'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on LoginSuccess { session { user { id username name role } } } ... on LoginError { code } } }',
        { u: username, p: password },
      );
      const login = res.data?.login;
      if (login?.__typename === 'LoginSuccess' && login.session) onSignedIn(login.session.user);
      else setError(login?.code === 'TOO_MANY_ATTEMPTS' ? t('login.locked') : t('login.failed'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Center component="main" h="100vh" bg="var(--mantine-color-body)">
      <Paper withBorder shadow="md" p="xl" radius="md" w={380} maw="calc(100vw - 24px)">
        <form onSubmit={submit}>
          <Stack>
            <div>
              <Title order={1} size="h2" c="teal.9">
                {t('app.name')}
              </Title>
              <Text c="dimmed" size="sm">
                {t('app.tagline')}
              </Text>
            </div>
            <Title order={2} size="h4">
              {t('login.title')}
            </Title>
            {expired && <Alert color="yellow">{t('login.expired')}</Alert>}
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <TextInput
              label={t('login.username')}
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
              required
              autoFocus
            />
            <PasswordInput
              label={t('login.password')}
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              required
            />
            <Button type="submit" loading={busy} fullWidth>
              {t('login.submit')}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}

function LiveIndicator({ state }: { state: 'connecting' | 'up' | 'down' }) {
  const { t } = useI18n();
  const label = state === 'up' ? t('live.on') : t('live.off');
  const color = state === 'up' ? 'teal' : state === 'connecting' ? 'yellow' : 'red';
  return (
    <Tooltip label={label}>
      <Badge data-testid="live-indicator" data-state={state} color={color} variant="dot" size="lg" role="status" aria-label={label}>
        {/* On a phone only the dot: the words would push the menu off the screen. */}
        <Box component="span" visibleFrom="sm">
          {label}
        </Box>
      </Badge>
    </Tooltip>
  );
}

function Shell({ me, link, onLogout, children }: { me: Me; link: 'connecting' | 'up' | 'down'; onLogout(): void; children: ReactNode }) {
  const { t, locale, setLocale } = useI18n();
  const [opened, { toggle, close }] = useDisclosure();
  const [location] = useLocation();
  const { toggleColorScheme } = useMantineColorScheme();
  const switchLanguage = () => {
    const next = locale === 'es' ? 'en' : 'es';
    setLocale(next);
    // Alerts (e-mail, Telegram) are written in the language the user last chose.
    void gql('mutation($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }', {
      input: { id: me.id, locale: next },
    });
  };
  const initials = me.name
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px={{ base: 'xs', sm: 'md' }} justify="space-between" wrap="nowrap" gap="xs">
          <Group wrap="nowrap" gap="xs">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Text fw={700} c="teal.9" size="lg" component="span">
              {t('app.name')}
            </Text>
          </Group>
          {me.role !== 'TECHNICIAN' && (
            <Box visibleFrom="sm">
              <SearchBox />
            </Box>
          )}
          <Group gap="xs" wrap="nowrap">
            {me.role !== 'TECHNICIAN' && (
              <ActionIcon component={Link} href="/search" variant="default" hiddenFrom="sm" aria-label={t('nav.search')} size="lg">
                ⌕
              </ActionIcon>
            )}
            <LiveIndicator state={link} />
            <Button variant="subtle" size="xs" onClick={switchLanguage} data-testid="lang-switch" visibleFrom="sm">
              {t('lang.switch')}
            </Button>
            <Tooltip label={t('theme.toggle')}>
              <ActionIcon variant="default" onClick={toggleColorScheme} aria-label={t('theme.toggle')} visibleFrom="sm" size="lg">
                ◐
              </ActionIcon>
            </Tooltip>
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="default" size="xs" data-testid="user-menu" px={{ base: 8, sm: 'sm' }}>
                  <Box component="span" visibleFrom="sm">
                    {me.name}
                  </Box>
                  {/* On a phone: the initials on screen, the name for screen readers. */}
                  <Box component="span" hiddenFrom="sm" aria-hidden="true">
                    {initials}
                  </Box>
                  <Box component="span" hiddenFrom="sm" style={HIDDEN}>
                    {me.name}
                  </Box>
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {me.username} · {t(`role.${me.role}` as never)}
                </Menu.Label>
                <Menu.Item component={Link} href="/my-alerts" data-testid="my-alerts">
                  {t('nav.myAlerts')}
                </Menu.Item>
                {/* On a phone the language and theme switches live here. */}
                <Menu.Item onClick={switchLanguage} hiddenFrom="sm" data-testid="lang-switch-menu">
                  {t('lang.switch')}
                </Menu.Item>
                <Menu.Item onClick={toggleColorScheme} hiddenFrom="sm">
                  {t('theme.toggle')}
                </Menu.Item>
                <Menu.Item onClick={onLogout} data-testid="logout">
                  {t('logout')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {NAV.filter((n) => n.roles.includes(me.role)).map((n) => (
          <NavLink
            key={n.to}
            component={Link}
            href={n.to}
            label={n.to === '/work-orders' && me.role === 'TECHNICIAN' ? t('nav.myWork') : t(n.key)}
            active={n.to === '/' ? location === '/' : location.startsWith(n.to)}
            onClick={close}
          />
        ))}
        <NavLink href="/graphql" label={t('nav.graphiql')} target="_blank" mt="auto" />
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense
          fallback={
            <Center h={200}>
              <Loader />
            </Center>
          }
        >
          {children}
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function Routes({ me }: { me: Me }) {
  const staff = me.role !== 'TECHNICIAN';
  return (
    <Switch>
      {staff && <Route path="/" component={Dashboard} />}
      {staff && <Route path="/incidents" component={Incidents} />}
      {staff && <Route path="/incidents/:id">{(p) => <IncidentPage id={decodeURIComponent(p.id)} />}</Route>}
      {staff && <Route path="/onus" component={Onus} />}
      {staff && <Route path="/search" component={SearchPage} />}
      {staff && <Route path="/connections/:id">{(p) => <ConnectionPage id={decodeURIComponent(p.id)} />}</Route>}
      {staff && <Route path="/customers/:id">{(p) => <CustomerPage id={decodeURIComponent(p.id)} />}</Route>}
      <Route path="/tickets">{() => <Tickets me={me} />}</Route>
      <Route path="/tickets/:id">{(p) => <TicketPage id={decodeURIComponent(p.id)} />}</Route>
      <Route path="/work-orders">{() => <WorkOrders me={me} />}</Route>
      <Route path="/map">{() => <MapPage me={me} />}</Route>
      <Route path="/stock">{() => <StockPage me={me} />}</Route>
      <Route path="/admin" component={Admin} />
      <Route path="/alerts">{() => <Alerts me={me} />}</Route>
      <Route path="/my-alerts" component={MyAlerts} />
      <Route>
        <Redirect to={home(me.role)} />
      </Route>
    </Switch>
  );
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const [link, setLink] = useState<'connecting' | 'up' | 'down'>('connecting');
  const [client, setClient] = useState<{ client: Client; dispose(): void } | null>(null);
  const [, navigate] = useLocation();
  const { t } = useI18n();

  useEffect(() => {
    gql<{ me: Me }>('{ me { id username name role } }')
      .then((r) => {
        const who = r.data?.me ?? null;
        setMe(who);
        // Remembered for opening the app without coverage (a technician in the field).
        if (who) localStorage.setItem(ME_KEY, JSON.stringify(who));
        else localStorage.removeItem(ME_KEY);
      })
      .catch(() => {
        // No network: whoever last signed in on this device, if anyone (the API decides again once back online).
        const kept = localStorage.getItem(ME_KEY);
        setMe(kept ? (JSON.parse(kept) as Me) : null);
      });
  }, []);

  const signOut = useCallback((wasExpired: boolean) => {
    setExpired(wasExpired);
    setMe(null);
    localStorage.removeItem(ME_KEY);
  }, []);

  useEffect(() => {
    if (!me) return;
    const c = createEmeraldClient({
      onLink: setLink,
      onUnauthenticated: () => signOut(true),
      onReconnected: () => {
        // Whatever changed while the link was down is not replayed: refetch what is on screen.
        window.dispatchEvent(new CustomEvent('emerald:resync'));
      },
    });
    setClient(c);
    return () => c.dispose();
  }, [me, signOut]);

  useHotkeys([['mod+K', () => document.querySelector<HTMLInputElement>('[data-testid="search-box"]')?.focus()]]);

  const logout = async () => {
    await gql('mutation { logout }');
    notifications.clean();
    signOut(false);
    navigate('/');
  };

  // The shell re-renders only when who is signed in, the live link or the client change;
  // navigate and logout are stable in effect (wouter's navigate, a closure over them).
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  const content = useMemo(() => {
    if (me === undefined) return null;
    if (me === null) {
      return (
        <Login
          expired={expired}
          onSignedIn={(user) => {
            setExpired(false);
            setMe(user);
            localStorage.setItem(ME_KEY, JSON.stringify(user));
            navigate(home(user.role));
          }}
        />
      );
    }
    if (!client) return null;
    return (
      <UrqlProvider value={client.client}>
        <Shell me={me} link={link} onLogout={() => void logout()}>
          <Routes me={me} />
        </Shell>
      </UrqlProvider>
    );
  }, [me, client, link, expired]);

  if (me === undefined) {
    return (
      <Center h="100vh" aria-label={t('common.loading')}>
        <Loader />
      </Center>
    );
  }
  return content;
}
