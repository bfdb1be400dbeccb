// The report page's style sheet and scripts. The script builds every element from the
// embedded JSON with textContent (never innerHTML), draws the charts with Chart.js, then
// writes what it drew (points per dataset, painted pixels, errors) into #report-summary:
// the browser test reads that summary from the rendered DOM.
#include "report/page.hpp"

namespace tributary::internal {

const char* const kReportStyle = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #0f172a;
       margin: 0; background: #f8fafc; }
header { background: #0f172a; color: #f8fafc; padding: 14px 28px; }
header h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 0; color: #cbd5e1; }
main { padding: 8px 28px 40px; max-width: 1240px; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; margin: 16px 0;
          padding: 12px 18px; }
section h2 { font-size: 16px; margin: 0 0 2px; }
section h3 { font-size: 15px; margin: 18px 0 4px; }
.source { color: #64748b; font-size: 12px; margin: 0 0 8px; }
.note { color: #475569; font-size: 13px; margin: 6px 0 0; }
.chart-box { position: relative; height: 260px; }
.chart-box.tall { height: 320px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 16px; }
.grid > section { margin: 8px 0; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #e2e8f0;
         vertical-align: top; }
th { color: #475569; font-weight: 600; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.status-succeeded { color: #15803d; } .status-failed { color: #b91c1c; }
.status-skipped, .status-interrupted, .status-running { color: #b45309; }
.lineage { max-width: 100%; height: auto; font: 13px ui-monospace, "DejaVu Sans Mono", monospace; }
.lineage a { cursor: pointer; }
.missing { color: #b45309; }
.kpis { display: flex; gap: 28px; flex-wrap: wrap; margin: 4px 0; }
.kpi b { display: block; font-size: 20px; }
)css";

const char* const kReportPrelude = R"js(
window.tributaryReport = { errors: [] };
window.addEventListener('error', function (event) {
  window.tributaryReport.errors.push('uncaught: ' + (event.message || String(event.error)));
});
window.addEventListener('unhandledrejection', function (event) {
  window.tributaryReport.errors.push('unhandled rejection: ' + String(event.reason));
});
document.addEventListener('securitypolicyviolation', function (event) {
  window.tributaryReport.errors.push('blocked by the page policy: ' + event.blockedURI);
});
['error', 'warn'].forEach(function (level) {
  var original = console[level];
  console[level] = function () {
    window.tributaryReport.errors.push(level + ': ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
});
)js";

const char* const kReportScript = R"js(
(function () {
  'use strict';
  var state = window.tributaryReport;
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var main = document.getElementById('report');
  var drawn = {};
  var colour = {
    users: '#2563eb', partial: '#93c5fd', corporations: '#059669', active: '#d97706',
    range: '#bfdbfe', average: '#1e3a8a', rejected: '#dc2626', corpRange: '#a7f3d0',
    corpAverage: '#065f46'
  };

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function number(n) { return n === null || n === undefined ? '\u2013' : Number(n).toLocaleString('en-US'); }
  function missing(relation) { return data.missing_relations.indexOf(relation) >= 0; }
  function section(parent, id, title, source) {
    var s = el('section');
    s.id = id;
    s.appendChild(el('h2', title));
    if (source) s.appendChild(el('p', source, 'source'));
    parent.appendChild(s);
    return s;
  }
  function table(parent, headings, rows) {
    var t = el('table');
    var head = el('tr');
    headings.forEach(function (h) { head.appendChild(el('th', h)); });
    t.appendChild(head);
    rows.forEach(function (cells) {
      var tr = el('tr');
      cells.forEach(function (c) {
        if (c instanceof Node) { var td = el('td'); td.appendChild(c); tr.appendChild(td); }
        else tr.appendChild(el('td', c));
      });
      t.appendChild(tr);
    });
    parent.appendChild(t);
    return t;
  }
  function rgb(hex) {
    return [1, 3, 5].map(function (i) { return parseInt(hex.substr(i, 2), 16); });
  }

  // What a chart holds and shows: points per dataset, labels, non-blank pixels, and pixels
  // of `mark` (the colour its data is drawn in).
  function record(id, chart, relation, mark) {
    var canvas = chart.canvas;
    var pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    var target = rgb(mark);
    var painted = 0, marked = 0;
    for (var i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] === 0) continue;
      painted++;
      if (pixels[i + 3] > 200 && Math.abs(pixels[i] - target[0]) < 10 &&
          Math.abs(pixels[i + 1] - target[1]) < 10 && Math.abs(pixels[i + 2] - target[2]) < 10) {
        marked++;
      }
    }
    drawn[id] = {
      relation: relation,
      labels: chart.data.labels.length,
      points: chart.data.datasets.map(function (d) { return d.data.length; }),
      partial_labels: chart.data.labels.filter(function (l) { return / \(partial\)$/.test(l); }),
      painted_pixels: painted,
      data_pixels: marked
    };
  }

  function chart(parent, id, title, relation, config, mark, note, tall) {
    var s = section(parent, id, title, relation);
    if (missing(relation)) {
      s.appendChild(el('p', relation + ' has not been built yet: run tributary run-models.', 'missing'));
      drawn[id] = { relation: relation, missing: true };
      return s;
    }
    var box = el('div', null, tall ? 'chart-box tall' : 'chart-box');
    var canvas = el('canvas');
    canvas.id = 'chart-' + id;
    box.appendChild(canvas);
    s.appendChild(box);
    if (note) s.appendChild(el('p', note, 'note'));
    try {
      record(id, new Chart(canvas, config), relation, mark);
    } catch (e) {
      state.errors.push(id + ': ' + (e && e.message ? e.message : String(e)));
    }
    return s;
  }

  function axes(xTitle, yTitle, extra) {
    var scales = {
      x: { title: { display: true, text: xTitle }, grid: { display: false } },
      y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: yTitle } }
    };
    if (extra) Object.keys(extra).forEach(function (k) { scales[k] = extra[k]; });
    return scales;
  }

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.plugins.legend.position = 'bottom';

  // Header.
  var meta = ['generated ' + data.generated_at.replace('T', ' ').replace('Z', ' UTC')];
  if (data.database) meta.push('database ' + data.database);
  if (data.since || data.until) meta.push('days ' + (data.since || 'first') + ' to ' + (data.until || 'last'));
  meta.push('data complete through ' + (data.data_through || 'no day yet'));
  if (data.chart_js_version) meta.push('Chart.js ' + data.chart_js_version);
  document.getElementById('report-meta').textContent = meta.join(' \u00b7 ');

  var overview = section(main, 'overview', 'Overview');
  var kpis = el('div', null, 'kpis');
  function kpi(label, value) {
    var k = el('div', null, 'kpi');
    k.appendChild(el('b', value));
    k.appendChild(document.createTextNode(label));
    kpis.appendChild(k);
  }
  kpi('data complete through', data.data_through || 'no day yet');
  kpi('weeks', number(data.weekly_users.length));
  kpi('days with events', number(data.daily_users.length));
  var loaded = 0, rejected = 0;
  data.loads.forEach(function (d) { loaded += d.events_loaded || 0; rejected += d.events_rejected || 0; });
  kpi('events loaded', number(loaded));
  kpi('events rejected', number(rejected));
  overview.appendChild(kpis);
  var built = data.models.filter(function (m) { return m.last_built_at; }).map(function (m) { return m.last_built_at; }).sort();
  function utc(time) { return time.replace('T', ' ').replace('Z', ' UTC'); }
  var builds = built.length === 0 ? 'No model has been built yet: run tributary run-models.'
    : built[0] === built[built.length - 1] ? 'Models last built at ' + utc(built[0]) + ' (each below, under Models).'
    : 'Models last built between ' + utc(built[0]) + ' and ' + utc(built[built.length - 1]) + ' (each below, under Models).';
  overview.appendChild(el('p', builds, 'note'));

  // Weekly active users, partial weeks marked.
  var weeks = data.weekly_users;
  var partial = weeks.filter(function (w) { return w.days_covered < 7; });
  chart(main, 'weekly_active_users', 'Weekly active users', 'analytics.weekly_engagement', {
    type: 'bar',
    data: {
      labels: weeks.map(function (w) { return w.week_start + (w.days_covered < 7 ? ' (partial)' : ''); }),
      datasets: [{
        label: 'active users',
        data: weeks.map(function (w) { return w.active_users; }),
        backgroundColor: weeks.map(function (w) { return w.days_covered < 7 ? colour.partial : colour.users; })
      }]
    },
    options: {
      scales: axes('ISO week, by its Monday', 'distinct users'),
      plugins: {
        legend: {
          onClick: function () {},
          labels: {
            generateLabels: function () {
              return [{ text: 'full week', fillStyle: colour.users, strokeStyle: colour.users, lineWidth: 0 },
                      { text: 'partial week (days_covered < 7)', fillStyle: colour.partial, strokeStyle: colour.partial, lineWidth: 0 }];
            }
          }
        },
        tooltip: { callbacks: { footer: function (items) {
          var w = weeks[items[0].dataIndex];
          return w.iso_year + '-W' + String(w.iso_week).padStart(2, '0') + ', ' + w.days_covered + ' of 7 days with data';
        } } }
      }
    }
  }, weeks.length && weeks[0].days_covered < 7 ? colour.partial : colour.users,
  partial.length ? 'Partial weeks (fewer than 7 days with data): ' + partial.map(function (w) {
    return w.week_start + ' (' + w.days_covered + ' days)'; }).join(', ') + '.' : 'Every week has data on all 7 days.');

  // Weekly active corporations.
  var corp = data.weekly_corporations;
  chart(main, 'weekly_active_corporations', 'Weekly active corporations', 'analytics.weekly_active_corporations', {
    type: 'bar',
    data: {
      labels: corp.map(function (w) { return w.week_start + (w.days_covered < 7 ? ' (partial)' : ''); }),
      datasets: [
        { label: 'all corporations', data: corp.map(function (w) { return w.active_corporations; }), backgroundColor: colour.corporations },
        { label: 'corporations with status active', data: corp.map(function (w) { return w.active_status_corporations; }), backgroundColor: colour.active }
      ]
    },
    options: { scales: axes('ISO week, by its Monday', 'distinct corporations') }
  }, colour.corporations);

  // Events per user / per corporation: the average, and the min-max range as floating bars.
  var grid = el('div', null, 'grid');
  main.appendChild(grid);
  var summary = data.weekly_summary;
  function spread(id, title, member, range, average) {
    chart(grid, id, title, 'analytics.weekly_summary', {
      type: 'bar',
      data: {
        labels: summary.map(function (w) { return w.week_start; }),
        datasets: [
          { type: 'line', label: 'average', order: 0, borderColor: average, backgroundColor: average,
            pointRadius: 4, borderWidth: 3,
            data: summary.map(function (w) { return w['avg_events_per_' + member]; }) },
          { type: 'bar', label: 'min\u2013max range', order: 1, backgroundColor: range,
            data: summary.map(function (w) {
              var lo = w['min_events_per_' + member], hi = w['max_events_per_' + member];
              return lo === null || hi === null ? null : [lo, hi];
            }) }
        ]
      },
      options: { scales: axes('ISO week, by its Monday', 'events per ' + member + ' in the week') }
    }, average);
  }
  spread('events_per_user', 'Events per active user per week', 'user', colour.range, colour.average);
  spread('events_per_corporation', 'Events per active corporation per week', 'corporation', colour.corpRange, colour.corpAverage);

  // Daily active users.
  var days = data.daily_users;
  chart(main, 'daily_active_users', 'Daily active users', 'analytics.daily_active_users', {
    type: 'line',
    data: {
      labels: days.map(function (d) { return d.event_date; }),
      datasets: [{ label: 'active users', data: days.map(function (d) { return d.active_users; }),
                   borderColor: colour.users, backgroundColor: colour.users, borderWidth: 3, pointRadius: 3 }]
    },
    options: { scales: axes('day (UTC)', 'distinct users') }
  }, colour.users);

  // Load health: events loaded (bars) and rejected (line, right axis) per day.
  var loads = data.loads;
  var unhealthy = loads.filter(function (d) { return d.status !== 'loaded' && d.status !== 'empty'; });
  var health = chart(main, 'load_health', 'Load health: events loaded and rejected per day', 'analytics.load_status', {
    type: 'bar',
    data: {
      labels: loads.map(function (d) { return d.day; }),
      datasets: [
        { type: 'bar', label: 'events loaded', yAxisID: 'y', order: 1, backgroundColor: colour.users,
          data: loads.map(function (d) { return d.events_loaded; }) },
        { type: 'line', label: 'events rejected', yAxisID: 'y1', order: 0, borderColor: colour.rejected,
          backgroundColor: colour.rejected, pointRadius: 3,
          data: loads.map(function (d) { return d.events_rejected; }) }
      ]
    },
    options: {
      scales: axes('requested day (UTC)', 'events loaded', {
        y1: { position: 'right', beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false },
              title: { display: true, text: 'events rejected' } }
      })
    }
  }, colour.users, unhealthy.length ? null : 'Every day of the span is loaded or empty.', true);
  if (unhealthy.length) {
    health.appendChild(el('p', 'Days not loaded:', 'note'));
    table(health, ['day', 'status'], unhealthy.map(function (d) { return [d.day, d.status]; }));
  }

  var reasons = data.rejection_reasons;
  chart(main, 'rejection_reasons', 'Most frequent rejection reasons', 'analytics.rejection_reasons', {
    type: 'bar',
    data: {
      labels: reasons.map(function (r) { return r.reason; }),
      datasets: [{ label: 'events rejected', backgroundColor: colour.rejected,
                   data: reasons.map(function (r) { return r.events; }) }]
    },
    options: { indexAxis: 'y', scales: {
      x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'events rejected in the span' } },
      y: { grid: { display: false } } }, plugins: { legend: { display: false } } }
  }, colour.rejected, reasons.length ? 'The ten most frequent reasons, as field path and rule; ' +
    'the rejected events themselves stay in ingest.rejected_events (operators only).' : 'No event was rejected in the span.');

  // Models: their last builds, the dependency graph, then each model's documentation.
  var models = section(main, 'models', 'Models', 'analytics.model_status and the models manifest');
  table(models, ['model', 'materialized', 'last status', 'last built (UTC)', 'rows', 'refresh', 'last error'],
    data.models.map(function (m) {
      var link = el('a', m.name, 'mono');
      link.href = '#model-' + m.name;
      return [link, m.materialized, el('span', m.status || 'never built', 'status-' + (m.status || 'none')),
              m.last_built_at ? m.last_built_at.replace('T', ' ').replace('Z', '') : '\u2013',
              number(m.rows), m.refresh || '\u2013', m.last_error || ''];
    }));
  models.appendChild(el('h3', 'Dependencies'));
  models.appendChild(document.getElementById('lineage-svg').content.cloneNode(true));
  models.appendChild(el('p', 'An arrow points from what a model reads to the model; dashed boxes are tables the models read but do not build.', 'note'));
  data.models.forEach(function (m) {
    var h = el('h3');
    h.id = 'model-' + m.name;
    h.appendChild(el('span', m.relation, 'mono'));
    models.appendChild(h);
    var reads = m.depends_on.concat(m.sources);
    models.appendChild(el('p', m.materialized + (reads.length ? ' \u00b7 reads ' + reads.join(', ') : ''), 'source'));
    models.appendChild(el('p', m.description));
    table(models, ['column', 'description', 'tests'], m.columns.map(function (c) {
      return [el('span', c.name, 'mono'), c.description, c.tests.join(', ')];
    }));
    if (m.tests.length) {
      var list = el('ul');
      m.tests.forEach(function (t) { list.appendChild(el('li', t, 'mono')); });
      models.appendChild(el('p', 'Tests over several columns or rows:', 'note'));
      models.appendChild(list);
    }
  });

  var out = document.getElementById('report-summary');
  out.textContent = JSON.stringify({
    charts: drawn,
    errors: state.errors,
    resources: performance.getEntriesByType('resource').map(function (r) { return r.name; }),
    done: true
  });
})();
)js";

}  // namespace tributary::internal
