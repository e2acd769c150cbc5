/**
 * The demo host page's own script: a pretend login of the host site. The token is minted
 * by the service's /demo/token with the demo site's configured secret (never in the
 * browser) and handed to the widget with Kommentarer.login(); getToken() lets the widget
 * ask again when the token expires.
 */
import { ANONYMOUS, ApiError, apiClient } from '../shared/api-client';
import { claimsOf } from '../shared/jwt-claims';

interface HostApi {
  getToken?: () => Promise<string | null>;
  login?: (token: string) => Promise<void>;
  logout?: () => Promise<void>;
}
const w = window as unknown as { Kommentarer?: HostApi };
const KEY = 'kommentarer.demo.token';
let token: string | null = sessionStorage.getItem(KEY);

function expiresSoon(jwt: string): boolean {
  const claims = claimsOf(jwt);
  return !claims || Number(claims.exp) * 1000 < Date.now() + 60_000;
}

const call = apiClient({ base: '', lang: () => 'sv', session: ANONYMOUS, networkMessage: () => '' });

async function mint(role: 'commenter' | 'moderator'): Promise<string | null> {
  try {
    return (
      (await call<{ token?: string }>('GET', `/demo/token?role=${role}`, undefined, { Accept: 'application/json' }))
        .token ?? null
    );
  } catch (err) {
    // An error answer means no demo login here; a network failure still fails the click.
    if (err instanceof ApiError && err.code !== 'NETWORK') return null;
    throw err;
  }
}

const api: HostApi = (w.Kommentarer ??= {});
api.getToken = async () => {
  if (token && expiresSoon(token)) {
    token = await mint('commenter');
    if (token) sessionStorage.setItem(KEY, token);
  }
  return token;
};

function showUser(): void {
  const login = document.getElementById('demo-login') as HTMLButtonElement;
  const logout = document.getElementById('demo-logout') as HTMLButtonElement;
  const user = document.getElementById('demo-user') as HTMLElement;
  login.hidden = !!token;
  logout.hidden = !token;
  user.textContent = token ? 'Inloggad som Demo Läsare' : '';
}

async function logIn(): Promise<void> {
  token = await mint('commenter');
  if (!token) return;
  sessionStorage.setItem(KEY, token);
  showUser();
  await w.Kommentarer?.login?.(token);
  (document.getElementById('demo-logout') as HTMLElement).focus();
}

async function logOut(): Promise<void> {
  token = null;
  sessionStorage.removeItem(KEY);
  showUser();
  await w.Kommentarer?.logout?.();
  (document.getElementById('demo-login') as HTMLElement).focus();
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('demo-login')?.addEventListener('click', () => void logIn());
  document.getElementById('demo-logout')?.addEventListener('click', () => void logOut());
  showUser();
  // The site's loginUrl points here with ?login=1: log in at once, then tidy the address.
  const params = new URLSearchParams(location.search);
  if (params.get('login') === '1') {
    params.delete('login');
    params.delete('return');
    history.replaceState(null, '', location.pathname + (params.size ? `?${params}` : '') + location.hash);
    if (!token) void logIn();
  }
  const moderate = document.getElementById('demo-moderate') as HTMLAnchorElement;
  void mint('moderator').then((jwt) => {
    if (jwt) moderate.href = `/moderate#site=demo&token=${encodeURIComponent(jwt)}`;
  });
});
