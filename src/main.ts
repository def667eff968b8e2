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
addEventListener('pagehide', () => session.stop());
