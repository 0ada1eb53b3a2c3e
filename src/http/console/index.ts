// The web console: one page, plain DOM and fetch, no framework and no CDN. It reads the
// gateway's own APIs (v3 for topics and groups, /api/... for records and throughput, v2 to
// produce) and the live tail WebSocket. Kept as strings so the bundled broker carries it.
export const CONSOLE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Strom console</title>
<link rel="stylesheet" href="/console/app.css">
</head>
<body>
<header>
  <h1>Strom</h1>
  <span id="cluster"></span>
  <nav>
    <button data-view="topics" class="active">Topics</button>
    <button data-view="browse">Messages</button>
    <button data-view="tail">Live tail</button>
    <button data-view="groups">Consumer groups</button>
    <button data-view="throughput">Throughput</button>
  </nav>
</header>
<main>
<section id="view-topics" class="view active">
  <h2>Topics</h2>
  <table id="topics-table"><thead><tr><th>Topic</th><th>Partitions</th><th>Size</th><th>Start offsets</th><th>End offsets</th></tr></thead><tbody></tbody></table>
  <div class="forms">
    <form id="create-topic">
      <h3>Create a topic</h3>
      <label>Name <input name="name" required></label>
      <label>Partitions <input name="partitions" type="number" min="1" value="1"></label>
      <button type="submit">Create</button>
      <p class="status" id="create-status"></p>
    </form>
    <form id="produce">
      <h3>Produce a test message</h3>
      <label>Topic <select name="topic" class="topic-select"></select></label>
      <label>Key <input name="key"></label>
      <label>Value <textarea name="value" rows="2" required></textarea></label>
      <button type="submit">Send</button>
      <p class="status" id="produce-status"></p>
    </form>
  </div>
</section>
<section id="view-browse" class="view">
  <h2>Messages</h2>
  <form id="browse-form" class="row">
    <label>Topic <select name="topic" class="topic-select"></select></label>
    <label>Partition <input name="partition" type="number" min="0" value="0"></label>
    <label>Offset <input name="offset" type="number" min="0" placeholder="latest"></label>
    <label>Show as <select name="format"><option>text</option><option>json</option><option>hex</option></select></label>
    <button type="submit">Load</button>
  </form>
  <p class="status" id="browse-status"></p>
  <table id="browse-table"><thead><tr><th>Offset</th><th>Time</th><th>Key</th><th>Value</th></tr></thead><tbody></tbody></table>
</section>
<section id="view-tail" class="view">
  <h2>Live tail</h2>
  <form id="tail-form" class="row">
    <label>Topic <select name="topic" class="topic-select"></select></label>
    <label>From <select name="from"><option>latest</option><option>earliest</option></select></label>
    <button type="submit" id="tail-start">Start</button>
    <button type="button" id="tail-stop" disabled>Stop</button>
  </form>
  <p class="status" id="tail-status">stopped</p>
  <table id="tail-table"><thead><tr><th>Partition</th><th>Offset</th><th>Key</th><th>Value</th></tr></thead><tbody></tbody></table>
</section>
<section id="view-groups" class="view">
  <h2>Consumer groups</h2>
  <table id="groups-table"><thead><tr><th>Group</th><th>State</th><th>Total lag</th></tr></thead><tbody></tbody></table>
  <h3 id="lag-title"></h3>
  <table id="lag-table"><thead><tr><th>Topic</th><th>Partition</th><th>Committed</th><th>End offset</th><th>Lag</th><th>Consumer</th></tr></thead><tbody></tbody></table>
</section>
<section id="view-throughput" class="view">
  <h2>Throughput</h2>
  <p>Records and bytes appended per second (Kafka and REST produce), sampled every second.</p>
  <canvas id="chart" width="900" height="260"></canvas>
  <p id="rate">records/s: 0 &middot; bytes in/s: 0 &middot; bytes out/s: 0</p>
</section>
</main>
<script src="/console/app.js"></script>
</body>
</html>`;

export const CONSOLE_CSS = String.raw`
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { display: flex; align-items: center; gap: 1.5em; padding: .6em 1.2em; background: #1d2330; color: #fff; }
header h1 { font-size: 1.3em; margin: 0; }
#cluster { color: #9aa4b8; font-size: .85em; }
nav button { background: none; border: 0; color: #cfd6e4; padding: .5em .8em; cursor: pointer; font-size: .95em; }
nav button.active { color: #fff; border-bottom: 2px solid #4f8cff; }
main { padding: 1em 1.5em; }
.view { display: none; } .view.active { display: block; }
table { border-collapse: collapse; width: 100%; background: #fff; margin: .5em 0 1em; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #e3e6ec; font-size: .9em; vertical-align: top; }
td.value { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; max-width: 40em; }
tr.clickable { cursor: pointer; } tr.clickable:hover { background: #eef3ff; }
.forms { display: flex; gap: 2em; flex-wrap: wrap; }
form { background: #fff; padding: .8em 1em; border-radius: 6px; }
form label { display: block; margin: .3em 0; font-size: .9em; }
form.row label { display: inline-block; margin-right: 1em; }
input, select, textarea { font: inherit; padding: .2em .4em; }
button[type=submit], #tail-stop { background: #4f8cff; color: #fff; border: 0; border-radius: 4px; padding: .35em 1em; cursor: pointer; }
#tail-stop:disabled { background: #b7c2d6; }
.status { color: #566; font-size: .9em; min-height: 1.2em; }
.status.error { color: #c0392b; }
canvas { background: #fff; border-radius: 6px; }
`;

export const CONSOLE_JS = String.raw`'use strict';
var clusterId = null;
var $ = function (sel) { return document.querySelector(sel); };
function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
function row(cells, cls) { var tr = el('tr', null, cls); cells.forEach(function (c) { var td = el('td', c && c.text !== undefined ? c.text : c, c && c.cls); tr.appendChild(td); }); return tr; }
function api(path, options) {
  return fetch(path, options).then(function (res) {
    return res.text().then(function (t) {
      var body = t ? JSON.parse(t) : null;
      if (!res.ok) throw new Error((body && body.message) || res.statusText);
      return body;
    });
  });
}
function bytes(n) { return n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB'; }
function show(view) {
  document.querySelectorAll('nav button').forEach(function (b) { b.classList.toggle('active', b.dataset.view === view); });
  document.querySelectorAll('.view').forEach(function (v) { v.classList.toggle('active', v.id === 'view-' + view); });
  if (view === 'topics') loadTopics();
  if (view === 'groups') loadGroups();
}
document.querySelectorAll('nav button').forEach(function (b) { b.addEventListener('click', function () { show(b.dataset.view); }); });

function loadTopics() {
  return api('/v3/clusters/' + clusterId + '/topics').then(function (list) {
    var body = $('#topics-table tbody');
    body.textContent = '';
    var names = [];
    list.data.forEach(function (t) {
      if (!t.is_internal) names.push(t.topic_name);
      var tr = row([t.topic_name, t.partitions_count, bytes(t.size_bytes), t.log_start_offsets.join(', '), t.log_end_offsets.join(', ')], 'clickable');
      tr.dataset.topic = t.topic_name;
      tr.addEventListener('click', function () { browse(t.topic_name, 0); });
      body.appendChild(tr);
    });
    document.querySelectorAll('.topic-select').forEach(function (s) {
      var current = s.value;
      s.textContent = '';
      names.forEach(function (n) { var o = el('option', n); o.value = n; s.appendChild(o); });
      if (names.indexOf(current) >= 0) s.value = current;
    });
  });
}

$('#create-topic').addEventListener('submit', function (e) {
  e.preventDefault();
  var f = e.target;
  var status = $('#create-status');
  api('/v3/clusters/' + clusterId + '/topics', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: f.name.value, partitions_count: Number(f.partitions.value) }) })
    .then(function (t) { status.className = 'status'; status.textContent = 'Created ' + t.topic_name + ' with ' + t.partitions_count + ' partition(s).'; f.reset(); return loadTopics(); })
    .catch(function (err) { status.className = 'status error'; status.textContent = err.message; });
});

function b64(text) { return btoa(String.fromCharCode.apply(null, new TextEncoder().encode(text))); }
$('#produce').addEventListener('submit', function (e) {
  e.preventDefault();
  var f = e.target;
  var status = $('#produce-status');
  var record = { value: b64(f.value.value) };
  if (f.key.value) record.key = b64(f.key.value);
  api('/topics/' + encodeURIComponent(f.topic.value), { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' }, body: JSON.stringify({ records: [record] }) })
    .then(function (r) {
      var o = r.offsets[0];
      if (o.error) throw new Error(o.error);
      status.className = 'status'; status.textContent = 'Sent to partition ' + o.partition + ' at offset ' + o.offset + '.';
      return loadTopics();
    })
    .catch(function (err) { status.className = 'status error'; status.textContent = err.message; });
});

function decode(data, encoding) {
  if (data === null) return null;
  if (encoding === 'base64') { var s = atob(data); var a = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }
  return new TextEncoder().encode(data);
}
function render(data, encoding, format) {
  if (data === null) return '(null)';
  if (format === 'hex') return Array.prototype.map.call(decode(data, encoding), function (b) { return ('0' + b.toString(16)).slice(-2); }).join(' ');
  if (encoding === 'base64') return '(binary) ' + data;
  if (format === 'json') { try { return JSON.stringify(JSON.parse(data), null, 2); } catch (err) { return data + '  (not JSON)'; } }
  return data;
}
function browse(topic, partition) {
  show('browse');
  var f = $('#browse-form');
  f.topic.value = topic; f.partition.value = partition;
  loadRecords();
}
function loadRecords() {
  var f = $('#browse-form');
  var status = $('#browse-status');
  var q = '?limit=50' + (f.offset.value !== '' ? '&offset=' + f.offset.value : '');
  return api('/api/topics/' + encodeURIComponent(f.topic.value) + '/partitions/' + f.partition.value + '/records' + q).then(function (r) {
    status.className = 'status';
    status.textContent = r.records.length + ' record(s) of ' + r.topic + '-' + r.partition + ' (offsets ' + r.log_start_offset + ' to ' + r.log_end_offset + ')';
    var body = $('#browse-table tbody');
    body.textContent = '';
    r.records.forEach(function (x) {
      body.appendChild(row([x.offset, new Date(x.timestamp).toISOString(), { text: render(x.key, x.key_encoding, f.format.value), cls: 'value' }, { text: render(x.value, x.value_encoding, f.format.value), cls: 'value' }]));
    });
  }).catch(function (err) { status.className = 'status error'; status.textContent = err.message; });
}
$('#browse-form').addEventListener('submit', function (e) { e.preventDefault(); loadRecords(); });

var tail = null;
$('#tail-form').addEventListener('submit', function (e) {
  e.preventDefault();
  if (tail) tail.close();
  var f = e.target;
  var status = $('#tail-status');
  var body = $('#tail-table tbody');
  body.textContent = '';
  var proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
  tail = new WebSocket(proto + location.host + '/ws/topics/' + encodeURIComponent(f.topic.value) + '?from=' + f.from.value);
  var count = 0;
  tail.onopen = function () { status.textContent = 'tailing ' + f.topic.value; $('#tail-stop').disabled = false; };
  tail.onmessage = function (m) {
    var x = JSON.parse(m.data);
    if (x.type !== 'record') return;
    count++;
    body.insertBefore(row([x.partition, x.offset, { text: render(x.key, x.key_encoding, 'text'), cls: 'value' }, { text: render(x.value, x.value_encoding, 'text'), cls: 'value' }]), body.firstChild);
    while (body.children.length > 200) body.removeChild(body.lastChild);
    status.textContent = 'tailing ' + f.topic.value + ': ' + count + ' record(s)';
  };
  tail.onclose = function () { status.textContent = 'stopped'; $('#tail-stop').disabled = true; tail = null; };
});
$('#tail-stop').addEventListener('click', function () { if (tail) tail.close(); });

function loadGroups() {
  return api('/v3/clusters/' + clusterId + '/consumer-groups').then(function (list) {
    var body = $('#groups-table tbody');
    body.textContent = '';
    return Promise.all(list.data.map(function (g) {
      return api('/v3/clusters/' + clusterId + '/consumer-groups/' + encodeURIComponent(g.consumer_group_id) + '/lag-summary').then(function (s) {
        var tr = row([g.consumer_group_id, g.state, s.total_lag], 'clickable');
        tr.dataset.group = g.consumer_group_id;
        tr.addEventListener('click', function () { loadLag(g.consumer_group_id); });
        body.appendChild(tr);
      });
    }));
  });
}
function loadLag(group) {
  return api('/v3/clusters/' + clusterId + '/consumer-groups/' + encodeURIComponent(group) + '/lags').then(function (list) {
    $('#lag-title').textContent = 'Lag of ' + group;
    var body = $('#lag-table tbody');
    body.textContent = '';
    list.data.forEach(function (l) { body.appendChild(row([l.topic_name, l.partition_id, l.current_offset, l.log_end_offset, l.lag === null ? '' : l.lag, l.client_id || l.consumer_id])); });
  });
}

var samples = [];
var last = null;
function sample() {
  api('/api/stats').then(function (s) {
    if (last) {
      var dt = Math.max(0.001, (s.time - last.time) / 1000);
      samples.push({ records: (s.recordsIn - last.recordsIn) / dt, bytesIn: (s.bytesIn - last.bytesIn) / dt, bytesOut: (s.bytesOut - last.bytesOut) / dt });
      if (samples.length > 90) samples.shift();
      var cur = samples[samples.length - 1];
      $('#rate').textContent = 'records/s: ' + Math.round(cur.records) + ' \u00b7 bytes in/s: ' + bytes(Math.round(cur.bytesIn)) + ' \u00b7 bytes out/s: ' + bytes(Math.round(cur.bytesOut));
      draw();
    }
    last = s;
  }).catch(function () {});
}
function draw() {
  var c = $('#chart'); var g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  var max = 1; samples.forEach(function (s) { max = Math.max(max, s.records); });
  g.strokeStyle = '#e3e6ec'; g.beginPath();
  for (var y = 0; y <= 4; y++) { g.moveTo(40, 10 + y * (c.height - 30) / 4); g.lineTo(c.width, 10 + y * (c.height - 30) / 4); }
  g.stroke();
  g.fillStyle = '#566'; g.font = '11px sans-serif'; g.fillText(String(Math.round(max)), 2, 14); g.fillText('0', 2, c.height - 20);
  g.strokeStyle = '#4f8cff'; g.lineWidth = 2; g.beginPath();
  samples.forEach(function (s, i) {
    var x = 40 + i * (c.width - 45) / 89; var y = 10 + (c.height - 30) * (1 - s.records / max);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
}

api('/v3/clusters').then(function (c) {
  clusterId = c.data[0].cluster_id;
  $('#cluster').textContent = 'cluster ' + clusterId;
  document.body.dataset.ready = 'true';
  loadTopics();
  setInterval(sample, 1000);
  sample();
});
`;
