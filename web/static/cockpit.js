/*
 * 可视化驾驶舱 · The visual cockpit.
 *
 * Fills the panels of templates/cockpit.html (regulators and institutions)
 * and templates/cockpit_enterprise.html (an enterprise's own view) from the
 * JSON API /api/v1/cockpit/{panel}. No inline script: the page carries its
 * labels as JSON in data-labels on #cockpit; this file is loaded with
 * <script src defer> after echarts.min.js and vendor/lishui-map.js (which
 * registers the ECharts map '丽水', features named 莲都区… with ids 331102…).
 *
 * The filter (month, year, county, class, institution, grade) and the map's
 * indicator live in the URL query, so that a view can be shared and
 * bookmarked; clicking a county, a class or institution bar, a grade or a
 * month filters every panel. Each panel section gets data-ready (and
 * data-query, the query it was drawn for) once drawn, for tests.
 * ?screen=big: dark theme, laid out for 1920×1080, refreshed every 60 s.
 */
(function () {
	'use strict';

	var root = document.getElementById('cockpit');
	if (!root) {
		return;
	}

	var L = {};
	try {
		L = JSON.parse(root.getAttribute('data-labels') || '{}');
	} catch (e) {
		L = {};
	}
	var TX = L.text || {};
	function tx(key) {
		return TX[key] != null ? TX[key] : key;
	}
	function label(kind, key) {
		var m = L[kind] || {};
		if (m[key] != null) {
			return m[key];
		}
		return key === '' ? '—' : String(key);
	}

	var zh = !/^en\b/i.test(document.documentElement.lang || 'zh-CN');
	var locale = zh ? 'zh-CN' : 'en';
	var COLON = zh ? '：' : ': ';
	var big = root.getAttribute('data-big') === '1';
	var cityWide = root.getAttribute('data-citywide') === '1';
	var FILTERS = ['month', 'year', 'county', 'class', 'institution', 'grade'];
	var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",system-ui,sans-serif';
	var PALETTE = big
		? ['#3ddc97', '#4fb3ff', '#ffc857', '#ff7a59', '#a48bff', '#5ce1e6', '#f78fb3', '#c3e88d', '#9aa5b1']
		: ['#1a8f5c', '#0b3d91', '#f0a020', '#4f8fe6', '#e0604a', '#5cc3b8', '#8a63c9', '#b9a13a', '#7f8c99'];
	var TEXT = big ? '#d6e2f0' : '#45525f';
	var MUTED = big ? '#8ea2b8' : '#6b7785';
	var SPLIT = big ? 'rgba(255,255,255,.08)' : '#eef1f5';

	if (big) {
		document.documentElement.classList.add('ck-big');
	}

	/* ---------------- formatting ---------------- */

	function num(v, digits) {
		if (typeof v !== 'number' || !isFinite(v)) {
			return '—';
		}
		var d = digits == null ? 2 : digits;
		return v.toLocaleString(locale, { minimumFractionDigits: d, maximumFractionDigits: d });
	}
	function pct(v, digits) {
		return typeof v === 'number' && isFinite(v) ? num(v * 100, digits == null ? 2 : digits) + '%' : '—';
	}
	function signed(v, digits) {
		if (typeof v !== 'number' || !isFinite(v)) {
			return '—';
		}
		return (v > 0 ? '+' : '') + num(v, digits);
	}
	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls) {
			e.className = cls;
		}
		if (text != null) {
			e.textContent = text;
		}
		return e;
	}

	/* ---------------- state: the URL query ---------------- */

	function readState() {
		var q = new URLSearchParams(window.location.search);
		var st = {};
		FILTERS.forEach(function (k) {
			var v = q.get(k);
			if (v) {
				st[k] = v;
			}
		});
		st.indicator = q.get('indicator') || 'green_balance';
		return st;
	}

	function filterQuery(st) {
		var q = new URLSearchParams();
		FILTERS.forEach(function (k) {
			if (st[k]) {
				q.set(k, st[k]);
			}
		});
		return q;
	}

	// setState changes some of the filter, records it in the URL (a new
	// history entry, so Back undoes a drill-down) and redraws every panel.
	function setState(changes) {
		var st = readState();
		Object.keys(changes).forEach(function (k) {
			st[k] = changes[k] == null ? '' : String(changes[k]);
		});
		var q = new URLSearchParams(window.location.search);
		FILTERS.concat(['indicator']).forEach(function (k) {
			if (st[k] && !(k === 'indicator' && st[k] === 'green_balance')) {
				q.set(k, st[k]);
			} else {
				q.delete(k);
			}
		});
		var s = q.toString();
		window.history.pushState(null, '', window.location.pathname + (s ? '?' + s : ''));
		refreshAll();
	}

	// toggle sets a filter to the value, or clears it when it already has it.
	function toggle(key, value) {
		var st = readState();
		var c = {};
		c[key] = st[key] === String(value) ? '' : value;
		setState(c);
	}

	window.addEventListener('popstate', function () {
		refreshAll();
	});

	/* ---------------- the filter bar ---------------- */

	var form = root.querySelector('[data-ck-filters]');
	var errorBox = root.querySelector('[data-error]');

	function syncForm(st, resolved) {
		if (!form) {
			return;
		}
		['month', 'year', 'county', 'grade'].forEach(function (k) {
			var f = form.elements[k];
			if (!f || document.activeElement === f) {
				return;
			}
			var v = st[k] || (resolved && resolved[k] ? String(resolved[k]) : '');
			f.value = v;
		});
		var chips = root.querySelector('[data-chips]');
		if (chips) {
			chips.textContent = '';
			[['county', 'county'], ['class', 'class'], ['institution', 'institution'], ['grade', 'grade']].forEach(function (p) {
				var v = st[p[0]];
				if (!v || (p[0] === 'institution' && !cityWide)) {
					return;
				}
				var chip = el('button', 'ck-chip');
				chip.type = 'button';
				chip.setAttribute('data-chip', p[0]);
				chip.title = tx('remove_filter');
				chip.textContent = tx('f.' + p[0]) + '：' + label(p[1], v) + ' ×';
				chip.addEventListener('click', function () {
					var c = {};
					c[p[0]] = '';
					setState(c);
				});
				chips.appendChild(chip);
			});
		}
		var ind = root.querySelector('[data-indicator]');
		if (ind) {
			ind.value = st.indicator;
		}
	}

	if (form) {
		form.addEventListener('submit', function (evt) {
			evt.preventDefault();
		});
		form.addEventListener('change', function (evt) {
			var f = evt.target;
			if (!f.name || FILTERS.indexOf(f.name) < 0) {
				return;
			}
			if (f.name === 'year' && f.value && !/^\d{4}$/.test(f.value)) {
				return;
			}
			var c = {};
			c[f.name] = f.value;
			setState(c);
		});
		var clear = form.querySelector('[data-clear]');
		if (clear) {
			clear.addEventListener('click', function () {
				var c = {};
				FILTERS.forEach(function (k) {
					c[k] = '';
				});
				setState(c);
			});
		}
	}
	var indSelect = root.querySelector('[data-indicator]');
	if (indSelect) {
		indSelect.addEventListener('change', function () {
			setState({ indicator: indSelect.value });
		});
	}

	/* ---------------- charts ---------------- */

	function chartOf(sec) {
		var box = sec.querySelector('[data-chart]');
		if (!box || !window.echarts) {
			return null;
		}
		var inst = window.echarts.getInstanceByDom(box);
		if (!inst) {
			box.textContent = '';
			inst = window.echarts.init(box, big ? 'dark' : null, { renderer: 'svg', locale: zh ? 'ZH' : 'EN' });
			if (window.ResizeObserver) {
				// Debounced: a box passes through odd sizes while the page reflows.
				var timer = 0;
				new ResizeObserver(function () {
					clearTimeout(timer);
					timer = setTimeout(function () {
						if (!inst.isDisposed()) {
							inst.resize();
						}
					}, 120);
				}).observe(box);
			}
		}
		return inst;
	}

	function base(extra) {
		var o = {
			color: PALETTE,
			backgroundColor: 'transparent',
			animation: !navigator.webdriver,
			textStyle: { fontFamily: FONT, color: TEXT },
			tooltip: { confine: true }
		};
		Object.keys(extra || {}).forEach(function (k) {
			o[k] = extra[k];
		});
		return o;
	}

	function axisCat(names, rotate) {
		return {
			type: 'category',
			data: names,
			axisLabel: { color: TEXT, interval: 0, rotate: rotate || 0, hideOverlap: true, width: 110, overflow: 'truncate' },
			axisLine: { lineStyle: { color: MUTED } }
		};
	}
	function axisVal(fmt, name) {
		return {
			type: 'value',
			name: name || '',
			nameTextStyle: { color: MUTED },
			axisLabel: { color: MUTED, formatter: fmt || function (v) { return num(v, 0); } },
			splitLine: { lineStyle: { color: SPLIT } }
		};
	}

	// draw sets the option (replacing the previous one) and the click
	// handler of the chart.
	function draw(sec, option, onClick) {
		var c = chartOf(sec);
		if (!c) {
			return;
		}
		c.setOption(option, true);
		c.off('click');
		if (onClick) {
			c.on('click', onClick);
		}
	}

	function empty(sec, empty) {
		var box = sec.querySelector('[data-chart]');
		if (!box) {
			return;
		}
		var msg = sec.querySelector('.ck-empty');
		if (empty && !msg) {
			msg = el('div', 'ck-empty muted', tx('empty'));
			box.parentNode.insertBefore(msg, box);
		}
		if (msg) {
			msg.hidden = !empty;
		}
	}

	/* ---------------- meta on hover ---------------- */

	var FILTER_OF = { month: 'month', year: 'year', county: 'county', class: 'class', institution: 'institution', grade: 'grade' };

	// metaText is a panel's meta in the page's language: in English the
	// *_en fields, each falling back to the Chinese where it has none.
	function metaText(m) {
		if (!m) {
			return '';
		}
		var lines = [];
		[['definition', 'm.definition'], ['scope', 'm.scope'], ['as_of', 'm.as_of'], ['quality', 'm.quality'], ['source', 'm.source']].forEach(function (p) {
			var v = (!zh && m[p[0] + '_en']) || m[p[0]];
			if (v) {
				lines.push(tx(p[1]) + COLON + v);
			}
		});
		return lines.join('\n');
	}

	function setMeta(sec, m, st) {
		var h = sec.querySelector('[data-meta]');
		if (h && m) {
			var text = metaText(m);
			h.title = text;
			h.setAttribute('data-meta-text', text);
			var pop = sec.querySelector('.ck-meta-pop');
			if (!pop) {
				pop = el('div', 'ck-meta-pop');
				pop.setAttribute('role', 'tooltip');
				h.parentNode.insertBefore(pop, h.nextSibling);
			}
			pop.textContent = text;
		}
		var ign = sec.querySelector('[data-ignored]');
		if (ign && m) {
			var honoured = m.filters || [];
			var off = Object.keys(FILTER_OF).filter(function (k) {
				return st[k] && honoured.indexOf(k) < 0 && !(k === 'institution' && !cityWide);
			});
			ign.hidden = off.length === 0;
			ign.textContent = off.length ? tx('ignored') + '：' + off.map(function (k) { return tx('f.' + k); }).join(zh ? '、' : ', ') : '';
		}
	}

	/* ---------------- panels ---------------- */

	var renderers = {};

	function kpi(sec, code, value, raw, sub, meta) {
		var card = sec.querySelector('[data-kpi="' + code + '"]');
		if (!card) {
			return;
		}
		card.querySelector('[data-v]').textContent = value;
		card.setAttribute('data-value', raw == null ? '' : String(raw));
		if (sub != null) {
			card.querySelector('[data-sub]').textContent = sub;
		}
		var t = metaText(meta);
		card.title = t;
	}

	renderers.credit = function (sec, d) {
		var t = d.total || {};
		var m = d.meta || {};
		var nc = t.comparable ? '' : tx('not_comparable');
		kpi(sec, 'green_loan_balance', num(t.green_balance), t.green_balance, null, m.green_loan_balance);
		kpi(sec, 'green_loan_growth', pct(t.growth), t.growth,
			t.growth == null ? (nc || tx('no_base')) : tx('base_year') + ' ' + num(t.green_balance_base) + ' ' + tx('wan'), m.green_loan_growth);
		kpi(sec, 'green_loan_share', pct(t.share), t.share,
			tx('share_pp') + ' ' + (t.share_change_pp == null ? (nc || '—') : signed(t.share_change_pp) + ' pp'), m.green_loan_share);
		kpi(sec, 'climate_financing_balance', num(t.climate_balance), t.climate_balance, null, m.climate_financing_balance);
		kpi(sec, 'new_green_loans', num(t.new_green), t.new_green, tx('ytd') + ' ' + num(t.new_green_ytd) + ' ' + tx('wan'), m.new_green_loans);
		kpi(sec, 'attributed_reduction', num(t.attributed_tco2), t.attributed_tco2, null, m.attributed_reduction);
		var asof = root.querySelector('[data-testid=cockpit-month]');
		if (asof && d.filter) {
			asof.textContent = d.filter.month + (cityWide || !d.reporting ? '' : '');
		}
		var list = sec.querySelector('[data-target-list]');
		if (list) {
			list.textContent = '';
			(d.targets || []).forEach(function (tg) {
				var li = el('li', 'ck-target');
				li.setAttribute('data-target', tg.indicator);
				var name = TX['target.' + tg.indicator] || tg.indicator;
				li.appendChild(el('span', 'ck-target-name', name));
				var fig = (tg.actual == null ? '—' : num(tg.actual)) + ' / ' + num(tg.target) + ' ' + tg.unit;
				li.appendChild(el('span', 'ck-target-fig', fig));
				var bar = el('progress', 'ck-progress');
				bar.max = 1;
				if (tg.ratio != null) {
					bar.value = Math.max(0, Math.min(1, tg.ratio));
				} else {
					bar.removeAttribute('value');
					bar.classList.add('ck-progress-na');
				}
				li.appendChild(bar);
				var status = tg.met === true ? tx('met') : tg.ratio != null ? pct(tg.ratio, 1) : tg.actual == null ? tx('no_actual') : tx('not_compared');
				li.appendChild(el('span', 'ck-target-status' + (tg.met === true ? ' ok' : ''), status));
				var meta = m[tg.indicator] || {};
				li.title = [metaText(meta), tg.note_text || tg.note || '', tx('m.scope') + COLON + tg.target_scope + (tg.actual_scope ? ' / ' + tg.actual_scope : ''),
					tg.due ? tx('due') + COLON + tg.due : ''].filter(Boolean).join('\n');
				list.appendChild(li);
			});
		}
		return m.green_loan_balance;
	};

	renderers.trend = function (sec, d, st) {
		var rows = d.rows || [];
		var months = rows.map(function (r) { return r.month; });
		empty(sec, rows.length === 0);
		draw(sec, base({
			tooltip: { trigger: 'axis', confine: true, valueFormatter: function (v) { return num(v); } },
			legend: { top: 0, textStyle: { color: TEXT } },
			grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
			xAxis: axisCat(months, months.length > 8 ? 30 : 0),
			yAxis: [axisVal(null, tx('wan')), axisVal(function (v) { return num(v, 0) + '%'; })],
			series: [
				{ name: tx('k.green_balance'), type: 'bar', barMaxWidth: 28, data: rows.map(function (r) {
					return { value: r.green_balance, itemStyle: r.month === d.filter.month ? { color: PALETTE[2] } : undefined };
				}) },
				{ name: tx('k.climate_balance'), type: 'line', symbolSize: 5, data: rows.map(function (r) { return r.climate_balance; }) },
				{ name: tx('k.share'), type: 'line', yAxisIndex: 1, symbolSize: 5, data: rows.map(function (r) { return r.share == null ? null : +(r.share * 100).toFixed(2); }),
					tooltip: { valueFormatter: function (v) { return v == null ? '—' : num(v) + '%'; } } }
			]
		}), function (p) {
			if (p.componentType === 'series' && months[p.dataIndex]) {
				setState({ month: months[p.dataIndex] });
			}
		});
		return d.meta;
	};

	// The map's county names by code, from the registered GeoJSON.
	var geoName = null;
	function geoNames() {
		if (geoName) {
			return geoName;
		}
		geoName = { byCode: {}, byName: {} };
		var m = window.echarts && window.echarts.getMap && window.echarts.getMap('丽水');
		if (m && m.geoJSON) {
			m.geoJSON.features.forEach(function (f) {
				var code = String(f.id || '');
				geoName.byCode[code] = f.properties.name;
				geoName.byName[f.properties.name] = code;
			});
		}
		return geoName;
	}

	renderers.map = function (sec, d, st) {
		var g = geoNames();
		var ratio = d.unit === 'ratio';
		var fmt = function (v) {
			return v == null ? '—' : ratio ? pct(v) : num(v, 0) + ' ' + (d.unit === '万元' ? tx('wan') : d.unit);
		};
		var values = [];
		var data = (d.areas || []).map(function (a) {
			if (a.value != null) {
				values.push(a.value);
			}
			return { name: g.byCode[a.county] || a.county, value: a.value == null ? NaN : a.value, code: a.county, selected: a.county === st.county };
		});
		var min = values.length ? Math.min.apply(null, values) : 0;
		var max = values.length ? Math.max.apply(null, values) : 1;
		if (min === max) {
			max = min + 1;
		}
		if (!Object.keys(g.byCode).length) {
			empty(sec, true);
			return d.meta;
		}
		draw(sec, base({
			tooltip: {
				trigger: 'item', confine: true, formatter: function (p) {
					var code = g.byName[p.name] || '';
					return label('county', code) + '<br>' + label('indicator', d.indicator) + '：' + fmt(isNaN(p.value) ? null : p.value);
				}
			},
			visualMap: {
				type: 'continuous', min: min, max: max, left: 8, bottom: 8, calculable: true,
				text: [ratio ? pct(max, 1) : num(max, 0), ratio ? pct(min, 1) : num(min, 0)],
				textStyle: { color: TEXT },
				inRange: { color: big ? ['#12324f', '#1f7a8c', '#3ddc97'] : ['#e9f6ef', '#7cc8a0', '#12693f'] }
			},
			series: [{
				type: 'map', map: '丽水', roam: false, selectedMode: 'single', layoutCenter: ['55%', '50%'], layoutSize: '96%',
				label: {
					show: true, color: big ? '#fff' : '#1d2733', fontSize: big ? 14 : 11,
					formatter: function (p) { return label('county', g.byName[p.name] || ''); }
				},
				itemStyle: { borderColor: big ? '#0b1a2b' : '#fff', borderWidth: 1 },
				emphasis: { label: { show: true }, itemStyle: { areaColor: PALETTE[2] } },
				select: { itemStyle: { areaColor: PALETTE[2], borderColor: big ? '#fff' : '#0b3d91', borderWidth: 2 }, label: { show: true } },
				data: data
			}]
		}), function (p) {
			var code = g.byName[p.name];
			if (code) {
				toggle('county', code);
			}
		});
		return d.meta;
	};

	// breakdown draws a bar chart of the green balance by the dimension;
	// a click on a bar of class or institution filters by it.
	function breakdown(kind, filterKey) {
		return function (sec, d, st) {
			var rows = (d.rows || []).filter(function (r) { return r.green_balance !== 0 || r.key !== ''; });
			rows.sort(function (a, b) { return b.green_balance - a.green_balance; });
			empty(sec, rows.length === 0);
			var names = rows.map(function (r) { return label(kind, r.key); });
			var selected = filterKey ? st[filterKey] : '';
			draw(sec, base({
				tooltip: {
					trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, formatter: function (ps) {
						var r = rows[ps[0].dataIndex];
						return names[ps[0].dataIndex] + '<br>' + tx('k.green_balance') + '：' + num(r.green_balance) + ' ' + tx('wan') +
							'<br>' + tx('k.share') + '：' + pct(r.share) + '<br>' + tx('k.climate_balance') + '：' + num(r.climate_balance) + ' ' + tx('wan') +
							'<br>' + tx('green_loans') + '：' + r.green_loans;
					}
				},
				grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
				xAxis: axisVal(null),
				yAxis: (function () {
					var a = axisCat(names.slice().reverse());
					return a;
				})(),
				series: [{
					type: 'bar', barMaxWidth: 22, name: tx('k.green_balance'),
					data: rows.map(function (r) {
						return { value: r.green_balance, key: r.key, itemStyle: selected && r.key === selected ? { color: PALETTE[2] } : undefined };
					}).reverse(),
					label: { show: true, position: 'right', color: MUTED, formatter: function (p) { return num(p.value, 0); } }
				}]
			}), filterKey && (filterKey !== 'institution' || cityWide) ? function (p) {
				var r = rows[rows.length - 1 - p.dataIndex];
				if (r && r.key !== '') {
					toggle(filterKey, r.key);
				}
			} : null);
			return d.meta;
		};
	}
	renderers['class'] = breakdown('class', 'class');
	renderers.institution = breakdown('institution', 'institution');
	renderers.sector = breakdown('sector', '');

	renderers.climate_type = function (sec, d) {
		var rows = (d.rows || []).filter(function (r) { return r.climate_balance > 0; });
		empty(sec, rows.length === 0);
		draw(sec, base({
			tooltip: { trigger: 'item', confine: true, formatter: function (p) { return p.name + '：' + num(p.value) + ' ' + tx('wan') + '（' + p.percent + '%）'; } },
			legend: { bottom: 0, textStyle: { color: TEXT } },
			series: [{
				type: 'pie', radius: ['40%', '68%'], center: ['50%', '45%'],
				label: { color: TEXT, formatter: '{b}\n{d}%' },
				itemStyle: { borderColor: big ? '#0b1a2b' : '#fff', borderWidth: 2 },
				data: rows.map(function (r) { return { name: label('climate_type', r.key), value: r.climate_balance }; })
			}]
		}));
		return d.meta;
	};

	function fillTable(table, rows, cells) {
		var body = table.querySelector('tbody');
		body.textContent = '';
		if (!rows.length) {
			var tr = el('tr');
			var td = el('td', 'empty muted', tx('empty'));
			td.colSpan = table.querySelectorAll('thead th').length;
			tr.appendChild(td);
			body.appendChild(tr);
			return;
		}
		rows.forEach(function (r) {
			var tr = el('tr');
			cells(r).forEach(function (c) {
				var td = el('td', c.num ? 'num' : '');
				if (c.href) {
					var a = el('a', '', c.text);
					a.href = c.href;
					td.appendChild(a);
				} else {
					td.textContent = c.text;
				}
				tr.appendChild(td);
			});
			body.appendChild(tr);
		});
	}

	renderers.carbon = function (sec, d, st) {
		var levels = ['low', 'medium', 'high'];
		var grades = [1, 2, 3, 4, 5];
		var cell = {};
		(d.cells || []).forEach(function (c) {
			cell[c.grade + '/' + c.level] = c;
		});
		empty(sec, !(d.cells || []).length);
		draw(sec, base({
			tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
			legend: { top: 0, textStyle: { color: TEXT } },
			grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
			xAxis: axisCat(grades.map(function (g) { return label('grade', String(g)); })),
			yAxis: axisVal(null, tx('accounts')),
			series: levels.map(function (lv, i) {
				return {
					name: label('level', lv), type: 'bar', stack: 'accounts', barMaxWidth: 48,
					itemStyle: { color: ['#3ba272', '#fac858', '#ee6666'][i] },
					data: grades.map(function (g) {
						var c = cell[g + '/' + lv];
						return { value: c ? c.accounts : 0, itemStyle: st.grade && String(g) !== st.grade ? { opacity: 0.35 } : undefined };
					})
				};
			})
		}), function (p) {
			toggle('grade', grades[p.dataIndex]);
		});
		var link = function (r) { return cityWide ? '/carbon/orgs/' + r.org_id : ''; };
		var top = sec.querySelector('[data-table=top_emitters]');
		if (top) {
			fillTable(top, d.top_emitters || [], function (r) {
				return [{ text: r.name, href: link(r) }, { text: label('county', r.division) }, { text: String(r.grade), num: true }, { text: num(r.emissions, 0), num: true }];
			});
		}
		var imp = sec.querySelector('[data-table=improvers]');
		if (imp) {
			fillTable(imp, d.improvers || [], function (r) {
				return [{ text: r.name, href: link(r) }, { text: label('county', r.division) }, { text: String(r.grade), num: true }, { text: pct(r.change, 1), num: true }];
			});
		}
		return d.meta;
	};

	renderers.pipeline = function (sec, d) {
		var stages = d.stages || [];
		empty(sec, stages.length === 0);
		draw(sec, base({
			tooltip: {
				trigger: 'item', confine: true, formatter: function (p) {
					var s = stages[p.dataIndex];
					return p.name + '：' + s.projects + ' ' + tx('projects_unit') + '<br>' + tx('investment') + '：' + num(s.investment, 0) + ' ' + tx('wan') +
						'<br>' + tx('annual_tco2') + '：' + num(s.annual_tco2, 0);
				}
			},
			series: [{
				type: 'funnel', sort: 'none', left: '8%', right: '8%', top: 8, bottom: 8, gap: 2, minSize: '20%',
				label: { show: true, position: 'inside', color: '#fff', formatter: function (p) { return p.name + ' ' + p.value; } },
				data: stages.map(function (s) { return { name: TX['stage.' + s.code] || s.name_zh, value: s.projects }; })
			}]
		}));
		return d.meta;
	};

	function facts(sec, list) {
		var dl = sec.querySelector('[data-facts]');
		if (!dl) {
			return;
		}
		dl.textContent = '';
		list.forEach(function (f) {
			var div = el('div', 'ck-fact');
			if (f.id) {
				div.setAttribute('data-fact', f.id);
			}
			div.appendChild(el('dt', '', f.label));
			div.appendChild(el('dd', '', f.value));
			dl.appendChild(div);
		});
	}

	renderers.matching = function (sec, d) {
		facts(sec, [
			{ id: 'claims', label: tx('claims'), value: String(d.claims) },
			{ id: 'on_time_rate', label: tx('on_time_rate'), value: pct(d.on_time_rate, 1) },
			{ id: 'median_hours', label: tx('median_hours'), value: d.median_hours == null ? '—' : num(d.median_hours, 1) + ' h' },
			{ id: 'overdue', label: tx('overdue'), value: String(d.overdue) },
			{ id: 'disbursed', label: tx('disbursed'), value: num(d.disbursed, 0) + ' ' + tx('wan') }
		]);
		var needs = d.needs || {};
		var keys = Object.keys(needs);
		empty(sec, keys.length === 0);
		draw(sec, base({
			tooltip: {
				trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, formatter: function (ps) {
					var k = keys[ps[0].dataIndex];
					return label('need', k) + '：' + needs[k] + '<br>' + tx('amount') + '：' + num((d.need_amounts || {})[k] || 0, 0) + ' ' + tx('wan');
				}
			},
			grid: { left: 8, right: 8, top: 12, bottom: 8, containLabel: true },
			xAxis: axisCat(keys.map(function (k) { return label('need', k); })),
			yAxis: axisVal(null),
			series: [{ type: 'bar', barMaxWidth: 36, name: tx('needs'), data: keys.map(function (k) { return needs[k]; }) }]
		}));
		return d.meta;
	};

	renderers.warnings = function (sec, d) {
		facts(sec, [
			{ id: 'warnings', label: tx('warnings_total'), value: String(d.warnings) },
			{ id: 'year', label: tx('f.year'), value: String(d.year) }
		]);
		var acts = ['watch', 'restructure', 'exit', 'dismiss'];
		Object.keys(d.by_action || {}).concat(Object.keys(d.by_decision || {})).forEach(function (k) {
			if (acts.indexOf(k) < 0) {
				acts.push(k);
			}
		});
		empty(sec, !d.warnings);
		draw(sec, base({
			tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
			legend: { top: 0, textStyle: { color: TEXT } },
			grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
			xAxis: axisCat(acts.map(function (k) { return k === '' ? tx('undecided') : label('action', k); })),
			yAxis: axisVal(null),
			series: [
				{ name: tx('suggested'), type: 'bar', barMaxWidth: 28, data: acts.map(function (k) { return (d.by_action || {})[k] || 0; }) },
				{ name: tx('decided'), type: 'bar', barMaxWidth: 28, data: acts.map(function (k) { return (d.by_decision || {})[k] || 0; }) }
			]
		}));
		return d.meta;
	};

	renderers.loop = function (sec, d) {
		facts(sec, [
			{ id: 'projects', label: tx('financed_projects'), value: String(d.projects) },
			{ id: 'finance', label: tx('finance'), value: num(d.finance, 0) + ' ' + tx('wan') },
			{ id: 'compared', label: tx('compared'), value: String(d.compared) }
		]);
		empty(sec, !d.projects);
		var cats = [tx('expected_all'), tx('expected_compared'), tx('measured_compared')];
		draw(sec, base({
			tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: function (v) { return num(v, 1) + ' tCO₂/a'; } },
			grid: { left: 8, right: 8, top: 12, bottom: 8, containLabel: true },
			xAxis: axisCat(cats),
			yAxis: axisVal(null, 'tCO₂/a'),
			series: [{
				type: 'bar', barMaxWidth: 48, name: tx('p.loop'),
				data: [d.expected, d.expected_of_compared, d.measured].map(function (v, i) {
					return { value: v, itemStyle: { color: PALETTE[i === 2 ? 2 : 0] } };
				}),
				label: { show: true, position: 'top', color: MUTED, formatter: function (p) { return num(p.value, 0); } }
			}]
		}));
		return d.meta;
	};

	/* ---------------- loading ---------------- */

	var panels = Array.prototype.slice.call(root.querySelectorAll('[data-panel][data-api]'));

	function panelQuery(sec, st) {
		var q = filterQuery(st);
		if (sec.getAttribute('data-by')) {
			q.set('by', sec.getAttribute('data-by'));
		}
		if (sec.getAttribute('data-api') === 'map') {
			q.set('indicator', st.indicator);
		}
		return q.toString();
	}

	function showError(text) {
		if (errorBox) {
			errorBox.hidden = !text;
			errorBox.textContent = text || '';
		}
	}

	async function load(sec, st, gen) {
		var api = sec.getAttribute('data-api');
		var q = panelQuery(sec, st);
		sec.removeAttribute('data-ready');
		sec.setAttribute('aria-busy', 'true');
		var xlsx = sec.querySelector('[data-xlsx]');
		if (xlsx) {
			xlsx.href = '/api/v1/cockpit/' + api + '/export' + (q ? '?' + q : '');
			xlsx.setAttribute('download', 'cockpit-' + sec.getAttribute('data-panel') + '.xlsx');
		}
		var res, d;
		try {
			res = await fetch('/api/v1/cockpit/' + api + (q ? '?' + q : ''), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
			d = await res.json();
		} catch (err) {
			d = { detail: String(err) };
		}
		if (gen !== generation) {
			return; // a newer filter is on its way
		}
		sec.removeAttribute('aria-busy');
		if (!res || !res.ok) {
			sec.setAttribute('data-error', String(res ? res.status : 0));
			var msg = (d && (d.detail || d.title)) || tx('failed');
			showError(tx('p.' + sec.getAttribute('data-panel')) + '：' + msg);
			return;
		}
		sec.removeAttribute('data-error');
		var meta = renderers[sec.getAttribute('data-panel')](sec, d, st);
		setMeta(sec, meta, st);
		if (api === 'credit') {
			syncForm(st, d.filter);
		}
		sec.setAttribute('data-query', q);
		sec.setAttribute('data-ready', '');
	}

	var generation = 0;
	function refreshAll() {
		generation++;
		var gen = generation;
		var st = readState();
		showError('');
		syncForm(st);
		panels.forEach(function (sec) {
			load(sec, st, gen).catch(function (err) {
				if (window.console) {
					console.error('cockpit panel ' + sec.getAttribute('data-panel') + ':', err);
				}
			});
		});
		var stamp = root.querySelector('[data-testid=cockpit-refreshed]');
		if (stamp) {
			stamp.textContent = new Date().toLocaleTimeString(locale);
		}
	}

	/* ---------------- PNG export ---------------- */

	function download(url, name) {
		var a = document.createElement('a');
		a.href = url;
		a.download = name;
		document.body.appendChild(a);
		a.click();
		a.remove();
	}

	// pngOf turns the chart (drawn as SVG) into a PNG data URL.
	function pngOf(chart, done) {
		var bg = big ? '#0b1a2b' : '#ffffff';
		var url = chart.getDataURL({ type: 'svg', pixelRatio: 2, backgroundColor: bg });
		if (/^data:image\/png/.test(url)) {
			done(url);
			return;
		}
		var img = new Image();
		img.onload = function () {
			var w = chart.getWidth() * 2;
			var h = chart.getHeight() * 2;
			var c = document.createElement('canvas');
			c.width = w;
			c.height = h;
			var ctx = c.getContext('2d');
			ctx.fillStyle = bg;
			ctx.fillRect(0, 0, w, h);
			ctx.drawImage(img, 0, 0, w, h);
			done(c.toDataURL('image/png'));
		};
		img.onerror = function () {
			done(url); // the SVG, then
		};
		img.src = url;
	}

	root.addEventListener('click', function (evt) {
		var btn = evt.target.closest ? evt.target.closest('[data-png]') : null;
		if (!btn) {
			return;
		}
		var sec = btn.closest('[data-panel]');
		var box = sec && sec.querySelector('[data-chart]');
		var chart = box && window.echarts && window.echarts.getInstanceByDom(box);
		if (!chart) {
			return;
		}
		pngOf(chart, function (url) {
			btn.setAttribute('data-png-ready', url.slice(0, 22));
			download(url, 'cockpit-' + sec.getAttribute('data-panel') + (/^data:image\/png/.test(url) ? '.png' : '.svg'));
		});
	});
	Array.prototype.forEach.call(root.querySelectorAll('[data-panel]'), function (sec) {
		var btn = sec.querySelector('[data-png]');
		if (btn && !sec.querySelector('[data-chart]')) {
			btn.hidden = true;
		}
	});

	/* ---------------- the enterprise's own view ---------------- */

	async function loadEnterprise() {
		var sec = root.querySelector('[data-panel=enterprise]');
		var res, d;
		try {
			res = await fetch('/api/v1/cockpit/enterprise', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
			d = await res.json();
		} catch (err) {
			d = { detail: String(err) };
		}
		if (!res || !res.ok) {
			showError((d && (d.detail || d.title)) || tx('failed'));
			return;
		}
		var accs = d.accounts || [];
		var last = accs.length ? accs[accs.length - 1] : null;
		var name = last ? last.name : d.credit ? d.credit.name : '';
		var n = root.querySelector('[data-ent-name]');
		if (n) {
			n.textContent = name;
		}
		var set = function (key, text) {
			var e = root.querySelector('[data-ent="' + key + '"]');
			if (e) {
				e.textContent = text;
			}
		};
		set('grade', last && last.grade ? String(last.grade) : '—');
		set('level', last ? label('level', last.level) : '');
		set('emissions', last ? num(last.emissions_tco2, 1) : '—');
		set('year', last ? last.year + ' · tCO₂' : '');
		set('intensity', last && last.has_intensity ? num(last.intensity_t_per_wan, 3) : '—');
		set('score', d.credit ? String(d.credit.score) : '—');
		set('band', d.credit ? d.credit.band + ' · ' + (d.credit.advice || '') : '');
		set('balance', num(d.balance));
		setMeta(sec, d.meta, {});
		sec.setAttribute('data-ready', '');

		var accSec = root.querySelector('[data-panel=ent-accounts]');
		var years = accs.map(function (a) { return String(a.year); });
		empty(accSec, accs.length === 0);
		draw(accSec, base({
			tooltip: { trigger: 'axis', confine: true },
			legend: { top: 0, textStyle: { color: TEXT } },
			grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
			xAxis: axisCat(years),
			yAxis: [axisVal(null, 'tCO₂'), axisVal(function (v) { return num(v, 2); }, 'tCO₂/' + tx('wan'))],
			series: [
				{ name: tx('ent_emissions'), type: 'bar', barMaxWidth: 40, data: accs.map(function (a) { return +a.emissions_tco2.toFixed(1); }),
					label: { show: true, position: 'top', color: MUTED, formatter: function (p) { return tx('grade') + ' ' + (accs[p.dataIndex].grade || '—'); } } },
				{ name: tx('ent_intensity'), type: 'line', yAxisIndex: 1, data: accs.map(function (a) { return a.has_intensity ? +a.intensity_t_per_wan.toFixed(3) : null; }) }
			]
		}));
		setMeta(accSec, { definition: tx('ent_accounts_def'), as_of: years.join(zh ? '、' : ', '), quality: accs.map(function (a) { return a.year + ' ' + label('quality', a.quality); }).join(zh ? '；' : '; '), source: tx('ent_accounts_src') }, {});
		accSec.setAttribute('data-ready', '');

		var rows = function (key, list, cells) {
			var body = root.querySelector('[data-rows="' + key + '"]');
			if (body) {
				fillTable(body.closest('table'), list, cells);
			}
		};
		rows('projects', d.projects || [], function (p) {
			return [{ text: p.name, href: '/projects/' + p.id }, { text: label('project', p.status) }, { text: num(p.investment, 0), num: true }, { text: num(p.annual_tco2, 0), num: true }];
		});
		rows('needs', d.needs || [], function (x) {
			return [{ text: x.purpose, href: '/finance/needs/' + x.id }, { text: label('need', x.status) }, { text: num(x.amount, 0), num: true }, { text: String(x.claim_count || 0), num: true }];
		});
		rows('loans', d.loans || [], function (l) {
			return [{ text: l.loan_id }, { text: l.lender || label('institution', String(l.institution_id)) }, { text: num(l.balance), num: true },
				{ text: l.green_class ? label('class', l.catalogue + '/' + l.green_class) : label('class', '') }, { text: (l.start_date || '').slice(0, 10) }];
		});
	}

	/* ---------------- start ---------------- */

	function start() {
		if (!window.echarts) {
			showError(tx('no_echarts'));
			return;
		}
		if (root.getAttribute('data-cockpit') === 'enterprise') {
			loadEnterprise().catch(function (err) {
				showError(String(err));
			});
			return;
		}
		refreshAll();
		if (big) {
			setInterval(refreshAll, 60000);
		}
	}

	// Hooks for tests and the console: the chart instance of a panel, and
	// the filter.
	window.cockpit = {
		chart: function (panel) {
			var sec = root.querySelector('[data-panel="' + panel + '"]');
			var box = sec && sec.querySelector('[data-chart]');
			return box && window.echarts ? window.echarts.getInstanceByDom(box) : null;
		},
		state: readState,
		setFilter: setState
	};

	if (document.readyState === 'loading') {
		document.addEventListener('DOMContentLoaded', start);
	} else {
		start();
	}
})();
