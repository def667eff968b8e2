// The room schedule: asks the screen for the API's answer every `every` seconds (?every=, default
// 30) and draws it. All text goes in as text; the page itself has no network (its CSP says so).
const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
const query = new URLSearchParams(location.search);
const api = query.get('api') || meta('api');
const every = Number(query.get('every') || 30) * 1000;
const $ = (id) => document.getElementById(id);

function draw(items) {
  const list = $('schedule');
  list.textContent = '';
  for (const item of items) {
    const li = document.createElement('li');
    if (/free/i.test(item.title)) li.className = 'free';
    const title = document.createElement('strong');
    title.textContent = item.title;
    const detail = document.createElement('span');
    detail.textContent = item.detail || '';
    li.append(title, detail);
    list.append(li);
  }
}

const time = () => new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

async function main() {
  const { connect } = await import(new URL('embed.js', meta('screen-signin')).href);
  const screen = await connect();
  const { name } = await screen.user();
  $('who').textContent = name ? `Signed in as ${name}` : '';
  screen.on('signing-out', ({ at }) => {
    $('warning').hidden = false;
    $('warning').textContent = `Nobody is here: this screen signs out at ${new Date(at).toLocaleTimeString()}.`;
  });
  screen.on('signing-out-cancelled', () => ($('warning').hidden = true));
  const refresh = async () => {
    try {
      const res = await screen.fetch(api, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`the API answered HTTP ${res.status}`);
      draw((await res.json()).items || []);
      $('status').textContent = `Updated ${time()}`;
    } catch (error) {
      $('status').textContent = `Not updated: ${error.message}`;
    }
  };
  await refresh();
  setInterval(refresh, every);
}

setInterval(() => ($('clock').textContent = time()), 1000);
$('clock').textContent = time();
main().catch((error) => ($('status').textContent = `Not connected: ${error.message}`));
