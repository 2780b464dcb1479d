#include "telemetry/dashboard_page.h"

namespace insitu::telemetry {
namespace {

// The DOM carries what the browser test checks: tr.entity[data-name][data-status],
// div.shard[data-shard] > svg.chart[data-metric][data-points], tr.object[data-name][data-calls],
// #state[data-live], #polls[data-count].
constexpr std::string_view k_page = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>insitu dashboard</title>
<style>
  :root { --fg:#1d2430; --muted:#6b7585; --line:#d9dee6; --bg:#f6f7f9; --card:#fff;
          --ok:#1a7f37; --run:#0b63c5; --bad:#c62828; --warn:#a15c00; }
  * { box-sizing: border-box; }
  body { margin:0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
         color:var(--fg); background:var(--bg); }
  header { padding:14px 20px; background:#1d2430; color:#fff; display:flex; gap:16px;
           align-items:baseline; flex-wrap:wrap; }
  header h1 { font-size:18px; margin:0; }
  header .path { color:#aab4c3; font-family: ui-monospace, monospace; font-size:12px; }
  #state { padding:2px 8px; border-radius:10px; font-size:12px; background:#555; }
  #state[data-live="true"] { background:var(--ok); }
  #state[data-live="false"] { background:#6b7585; }
  main { padding:16px 20px; display:grid; gap:16px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px;
            padding:12px 16px; }
  h2 { font-size:15px; margin:0 0 8px; }
  table { border-collapse:collapse; width:100%; }
  th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line);
           white-space:nowrap; }
  th { color:var(--muted); font-weight:600; font-size:12px; }
  td.num { text-align:right; font-variant-numeric: tabular-nums; }
  .status { font-weight:600; }
  .s-Running { color:var(--run); } .s-Completed { color:var(--ok); }
  .s-Failed { color:var(--bad); } .s-Cancelled, .s-Unknown { color:var(--warn); }
  .shards { display:grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap:12px; }
  .shard { border:1px solid var(--line); border-radius:6px; padding:8px 10px; }
  .shard h3 { font-size:13px; margin:0 0 6px; }
  .shard h3 .addr { color:var(--muted); font-weight:normal; font-family: ui-monospace, monospace; }
  .shard .down { color:var(--bad); }
  .charts { display:grid; grid-template-columns: 1fr 1fr; gap:6px; }
  .chart { width:100%; height:90px; background:#fbfcfd; border:1px solid #eef0f3; }
  .chart text { font-size:10px; fill:var(--muted); }
  .chart polyline { fill:none; stroke:var(--run); stroke-width:1.5; }
  .empty { color:var(--muted); }
  footer { color:var(--muted); font-size:12px; padding:0 20px 16px; }
  a { color:var(--run); }
</style>
</head>
<body>
<header>
  <h1 id="title">insitu experiment</h1>
  <span class="path" id="path"></span>
  <span id="state" data-live="">loading</span>
  <span class="path" id="sampled"></span>
</header>
<main>
  <section>
    <h2>Entities</h2>
    <table>
      <thead><tr><th>Name</th><th>Type</th><th>Job</th><th>Status</th><th>Start</th>
        <th>Runtime</th><th>Return code</th><th>Logs</th></tr></thead>
      <tbody id="entities"><tr><td class="empty" colspan="8">no entities yet</td></tr></tbody>
    </table>
  </section>
  <section>
    <h2>Database shards</h2>
    <div class="shards" id="shards"><span class="empty">no database sampled yet</span></div>
  </section>
  <section>
    <h2>Models and scripts</h2>
    <table>
      <thead><tr><th>Database</th><th>Name</th><th>Type</th><th>Backend</th><th>Device</th>
        <th>Calls</th><th>Errors</th><th>Mean run time</th></tr></thead>
      <tbody id="objects"><tr><td class="empty" colspan="8">no models or scripts</td></tr></tbody>
    </table>
  </section>
</main>
<footer>Updated every second from <a href="api/state">api/state</a> ·
  <a href="metrics">metrics</a> (Prometheus) · <span id="polls" data-count="0"></span></footer>
<script>
"use strict";
const esc = (v) => String(v).replace(/[&<>"']/g,
  (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c]));
const bytes = (b) => { const u = ["B","KiB","MiB","GiB","TiB"]; let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return (i ? b.toFixed(1) : String(b)) + " " + u[i]; };
const count = (n) => n >= 1e6 ? (n / 1e6).toFixed(1) + "M" : n >= 1e4 ? (n / 1e3).toFixed(1) + "k"
  : String(n);
const when = (t) => t > 0 ? new Date(t * 1000).toLocaleTimeString() : "-";
const secs = (s) => s < 60 ? s.toFixed(1) + " s" : s < 3600 ? (s / 60).toFixed(1) + " min"
  : (s / 3600).toFixed(2) + " h";
const METRICS = [["used_memory", "memory", bytes], ["connected_clients", "clients", count],
                 ["ops_per_sec", "ops/s", count], ["keys", "keys", count]];

// One SVG line chart: the series against time, its latest value and the maximum.
function chart(t, ys, metric, label, fmt) {
  const W = 300, H = 90, L = 4, R = 4, T = 14, B = 4;
  const n = Math.min(t.length, ys.length);
  let pts = "";
  if (n > 0) {
    const t0 = t[0], t1 = Math.max(t[n - 1], t0 + 1e-3);
    const max = Math.max(1, ...ys);
    for (let i = 0; i < n; i++) {
      const x = L + (W - L - R) * (n === 1 ? 1 : (t[i] - t0) / (t1 - t0));
      const y = T + (H - T - B) * (1 - ys[i] / max);
      pts += x.toFixed(1) + "," + y.toFixed(1) + " ";
    }
  }
  const last = n ? fmt(ys[n - 1]) : "-", max = n ? fmt(Math.max(...ys)) : "-";
  return `<svg class="chart" data-metric="${metric}" data-points="${n}"
    viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${label}">
    <text x="4" y="11">${label}: ${esc(last)}</text>
    <text x="${W - 4}" y="11" text-anchor="end">max ${esc(max)}</text>
    <polyline points="${pts.trim()}"/></svg>`;
}

function render(s) {
  document.getElementById("title").textContent = "insitu · " + (s.experiment || "experiment");
  document.getElementById("path").textContent = s.exp_path;
  const st = document.getElementById("state");
  st.dataset.live = String(!!s.driver_alive);
  st.textContent = s.driver_alive ? "live" : "ended";
  document.getElementById("sampled").textContent =
    s.last_sample_t ? "last sample " + when(s.last_sample_t) : "";

  const rows = s.jobs.map((j) => {
    const end = j.end_t > 0 ? j.end_t : (j.status === "Running" ? s.now : j.start_t);
    const log = (stream) => `<a href="logs/${encodeURIComponent(j.name)}?stream=${stream}&run=${j.run}"
      >${stream}</a>`;
    return `<tr class="entity" data-name="${esc(j.name)}" data-status="${esc(j.status)}"
      data-run="${j.run}"><td>${esc(j.name)}</td><td>${esc(j.type)}</td><td>${esc(j.job_id)}</td>
      <td class="status s-${esc(j.status)}" title="${esc(j.message || "")}">${esc(j.status)}</td>
      <td>${when(j.start_t)}</td><td class="num">${secs(Math.max(0, end - j.start_t))}</td>
      <td class="num">${j.returncode === null ? "-" : j.returncode}</td>
      <td>${log("out")} ${log("err")}</td></tr>`;
  });
  document.getElementById("entities").innerHTML = rows.length ? rows.join("")
    : `<tr><td class="empty" colspan="8">no entities yet</td></tr>`;

  const shards = s.shards.map((sh) => {
    const charts = METRICS.map(([m, label, fmt]) => chart(sh.series.t, sh.series[m], m, label, fmt));
    return `<div class="shard" data-db="${esc(sh.db)}" data-shard="${esc(sh.shard)}"
      data-up="${sh.up}"><h3>${esc(sh.shard)} <span class="addr">${esc(sh.address)}</span>
      ${sh.up ? "" : `<span class="down">down: ${esc(sh.error)}</span>`}</h3>
      <div class="charts">${charts.join("")}</div></div>`;
  });
  document.getElementById("shards").innerHTML = shards.length ? shards.join("")
    : `<span class="empty">no database sampled yet</span>`;

  const objs = s.objects.map((o) => `<tr class="object" data-name="${esc(o.name)}"
      data-calls="${o.calls}" data-errors="${o.errors}"><td>${esc(o.db)}</td><td>${esc(o.name)}</td>
      <td>${esc(o.type)}</td><td>${esc(o.backend)}</td><td>${esc(o.device)}</td>
      <td class="num">${o.calls}</td><td class="num">${o.errors}</td>
      <td class="num">${o.calls ? o.mean_ms.toFixed(3) + " ms" : "-"}</td></tr>`);
  document.getElementById("objects").innerHTML = objs.length ? objs.join("")
    : `<tr><td class="empty" colspan="8">no models or scripts</td></tr>`;
}

let polls = 0;
async function tick() {
  try {
    const r = await fetch("api/state", {cache: "no-store"});
    if (r.ok) render(await r.json());
  } catch (e) { /* the server went away: keep the last view */ }
  const p = document.getElementById("polls");
  p.dataset.count = String(++polls);
  p.textContent = "updates: " + polls;
}
tick();
setInterval(tick, 1000);
</script>
</body>
</html>
)html";

}  // namespace

std::string_view dashboard_html() {
    return k_page;
}

}  // namespace insitu::telemetry
