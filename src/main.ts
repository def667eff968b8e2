// First: the APIs older TV engines lack must exist before Svelte's runtime evaluates.
import './polyfills';
import { mount } from 'svelte';
import { Session } from './session/session.svelte';
import App from './ui/App.svelte';
import './ui/global.css';

// The QR library is a separate chunk; start loading it now, not once the code screen renders.
void import('qrcode');
const session = new Session({ url: new URL(location.href) });
mount(App, { target: document.getElementById('app')!, props: { session } });
session.start();
// A reload, a power-off or navigating away signs the screen out at the IdP too (revocation with
// keepalive, best effort). pagehide, not unload: it also fires when the page enters the
// back/forward cache, and it does not keep the page out of that cache.
addEventListener('pagehide', () => session.stop());
// Back from the back/forward cache: the code or the signed-in screen it shows is dead. Start over.
addEventListener('pageshow', (event) => {
  if (event.persisted) session.startOver();
});
