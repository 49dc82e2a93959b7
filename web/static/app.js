/*
 * 气候投融资数智平台 · Climate Investment & Financing Platform
 *
 * All behaviour of the pages. The Content-Security-Policy allows scripts from
 * our own origin only ("script-src 'self'"), so no page has an inline script
 * or an on* attribute: everything is wired up here, by class and data-*
 * attributes. Plain ES2017, no build step. Load order:
 *   <script src="/static/vendor/echarts.min.js"></script>
 *   <script src="/static/vendor/htmx.min.js"></script>
 *   <script src="/static/app.js"></script>
 * (at the end of <body>, or all three in <head> with "defer").
 *
 * What it does:
 *   - htmx sends the CSRF token of <meta name="csrf-token" content="…"> as the
 *     header X-CSRF-Token on every non-GET request.
 *   - <div class="chart" data-src="/url"> becomes an ECharts chart of the JSON
 *     {"title": "…", "type": "bar"|"pie"|"line", "categories": […],
 *      "series": [{"name": "…", "data": […]}]} that the URL returns. A
 *     series of a bar or line chart may name its own "type" (bar or line)
 *     and "axis": 1 to be read on a second value axis on the right (e.g. a
 *     share beside a balance); null data points are gaps.
 *   - <form data-confirm="text"> asks confirm(text) before it submits.
 *   - <button data-copy="#selector"> copies the text of that element.
 *   - <button data-print> prints the page.
 *   - <select data-category-select> on the project form shows the inputs of
 *     the chosen category's methodology only.
 */
(function () {
	'use strict';

	var zh = !/^en\b/i.test(document.documentElement.lang || 'zh-CN');
	var T = zh ? {
		loading: '加载中…',
		failed: '图表加载失败',
		empty: '暂无数据',
		noECharts: '图表组件未加载',
		copied: '已复制',
		copyFailed: '请按 Ctrl+C 复制'
	} : {
		loading: 'Loading…',
		failed: 'The chart could not be loaded',
		empty: 'No data',
		noECharts: 'The chart library is not loaded',
		copied: 'Copied',
		copyFailed: 'Press Ctrl+C to copy'
	};
	var locale = zh ? 'zh-CN' : 'en';

	function onReady(fn) {
		if (document.readyState === 'loading') {
			document.addEventListener('DOMContentLoaded', fn);
		} else {
			fn();
		}
	}

	/* ------------------------------------------------------------------
	 * htmx: CSRF header on non-GET requests
	 * ------------------------------------------------------------------ */

	function csrfToken() {
		var meta = document.querySelector('meta[name="csrf-token"]');
		return meta ? meta.getAttribute('content') || '' : '';
	}

	if (window.htmx) {
		// htmx would insert a <style> element for its indicators, which a
		// strict style-src refuses; app.css has the same rules.
		window.htmx.config.includeIndicatorStyles = false;
	}

	document.addEventListener('htmx:configRequest', function (evt) {
		var verb = String(evt.detail.verb || '').toLowerCase();
		if (verb === 'get') {
			return;
		}
		var token = csrfToken();
		if (token) {
			evt.detail.headers['X-CSRF-Token'] = token;
		}
	});

	/* ------------------------------------------------------------------
	 * Charts
	 * ------------------------------------------------------------------ */

	var PALETTE = ['#0b3d91', '#1a8f5c', '#f0a020', '#4f8fe6', '#e0604a', '#5cc3b8', '#8a63c9', '#b9a13a', '#7f8c99'];
	var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",system-ui,sans-serif';

	// The chart elements that have an ECharts instance, or a request on the way.
	var charts = new Set();

	function formatNumber(v) {
		if (typeof v !== 'number' || !isFinite(v)) {
			return v == null ? '-' : String(v);
		}
		return v.toLocaleString(locale, { maximumFractionDigits: 2 });
	}

	function showMessage(el, text, isError) {
		disposeChart(el);
		el.textContent = '';
		var msg = document.createElement('div');
		msg.className = 'chart-msg' + (isError ? ' error' : '');
		msg.setAttribute('role', isError ? 'alert' : 'status');
		msg.textContent = text;
		el.appendChild(msg);
	}

	function disposeChart(el) {
		if (window.echarts) {
			var inst = window.echarts.getInstanceByDom(el);
			if (inst) {
				inst.dispose();
			}
		}
	}

	function validate(spec) {
		if (!spec || typeof spec !== 'object') {
			throw new Error('not a JSON object');
		}
		if (['bar', 'pie', 'line'].indexOf(spec.type) < 0) {
			throw new Error('unknown chart type ' + JSON.stringify(spec.type));
		}
		if (!Array.isArray(spec.categories) || !Array.isArray(spec.series)) {
			throw new Error('categories and series must be arrays');
		}
		spec.series.forEach(function (s) {
			if (!s || !Array.isArray(s.data)) {
				throw new Error('every series needs a data array');
			}
			if (s.type != null && ['bar', 'line'].indexOf(s.type) < 0) {
				throw new Error('unknown series type ' + JSON.stringify(s.type));
			}
		});
	}

	function buildOption(spec) {
		var title = spec.title ? String(spec.title) : '';
		var titleH = title ? 28 : 0; // the title takes the first line
		var option = {
			color: PALETTE,
			// No animation under automation, so that screenshots show the final chart.
			animation: !navigator.webdriver,
			animationDuration: 500,
			textStyle: { fontFamily: FONT },
			title: {
				show: !!title,
				text: title,
				left: 0,
				top: 0,
				textStyle: { fontSize: 14, fontWeight: 600, color: '#1d2733' }
			}
		};

		if (spec.type === 'pie') {
			var first = spec.series[0] || { name: '', data: [] };
			option.tooltip = {
				trigger: 'item',
				confine: true,
				formatter: function (p) {
					return p.marker + p.name + '：' + formatNumber(p.value) + '（' + p.percent + '%）';
				}
			};
			option.legend = { type: 'scroll', bottom: 0, left: 'center', icon: 'circle', itemWidth: 10, itemHeight: 10 };
			option.series = [{
				name: first.name || '',
				type: 'pie',
				radius: ['42%', '68%'],
				center: ['50%', title ? '52%' : '46%'],
				avoidLabelOverlap: true,
				itemStyle: { borderColor: '#fff', borderWidth: 2 },
				label: { formatter: '{b}\n{d}%', color: '#45525f' },
				data: spec.categories.map(function (name, i) {
					return { name: String(name), value: first.data[i] };
				})
			}];
			return option;
		}

		var many = spec.series.length > 1;
		option.tooltip = {
			trigger: 'axis',
			confine: true,
			axisPointer: { type: spec.type === 'bar' ? 'shadow' : 'line' },
			valueFormatter: formatNumber
		};
		// The legend goes on its own line under the title, so the two never overlap.
		option.legend = { show: many, type: 'scroll', top: titleH, left: 0, right: 0, itemWidth: 14, itemHeight: 8 };
		option.grid = { left: 8, right: 16, top: titleH + (many ? 28 : 0) + 16, bottom: 8, containLabel: true };
		option.xAxis = {
			type: 'category',
			data: spec.categories.map(String),
			boundaryGap: spec.type === 'bar',
			axisTick: { alignWithLabel: true },
			axisLine: { lineStyle: { color: '#c9d1dc' } },
			// Every label shown (nine counties fit), slanted when there are many.
			axisLabel: { color: '#45525f', interval: 0, rotate: spec.categories.length > 6 ? 30 : 0, hideOverlap: true }
		};
		option.yAxis = {
			type: 'value',
			axisLabel: { color: '#6b7785', formatter: formatNumber },
			splitLine: { lineStyle: { color: '#eef1f5' } }
		};
		if (spec.series.some(function (s) { return s.axis === 1; })) {
			option.yAxis = [option.yAxis, {
				type: 'value',
				position: 'right',
				axisLabel: { color: '#6b7785', formatter: formatNumber },
				splitLine: { show: false }
			}];
		}
		option.series = spec.series.map(function (s) {
			var type = s.type || spec.type;
			var one = {
				name: s.name == null ? '' : String(s.name),
				type: type,
				data: s.data,
				yAxisIndex: s.axis === 1 ? 1 : 0,
				emphasis: { focus: 'series' }
			};
			if (type === 'bar') {
				one.barMaxWidth = 36;
				one.itemStyle = { borderRadius: [3, 3, 0, 0] };
			} else {
				one.symbol = 'circle';
				one.symbolSize = 6;
				one.lineStyle = { width: 2 };
				if (!many) {
					one.areaStyle = { opacity: 0.08 };
				}
			}
			return one;
		});
		return option;
	}

	function sameOrigin(url) {
		try {
			return new URL(url, window.location.href).origin === window.location.origin;
		} catch (e) {
			return false;
		}
	}

	async function loadChart(el) {
		var src = el.getAttribute('data-src');
		if (!window.echarts) {
			showMessage(el, T.noECharts, true);
			return;
		}
		if (!sameOrigin(src)) {
			showMessage(el, T.failed + '（' + src + '）', true);
			return;
		}

		// Leftovers of an earlier render, e.g. a page that htmx restored
		// from its history cache.
		el.removeAttribute('_echarts_instance_');
		el.textContent = '';

		var chart = window.echarts.init(el, null, { renderer: 'svg', locale: zh ? 'ZH' : 'EN' });
		chart.showLoading('default', { text: T.loading, color: '#0b3d91', textColor: '#6b7785', maskColor: 'rgba(255,255,255,0.85)', fontFamily: FONT });

		var spec;
		try {
			var res = await fetch(src, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
			if (!res.ok) {
				throw new Error('HTTP ' + res.status);
			}
			spec = await res.json();
			validate(spec);
		} catch (err) {
			if (el.isConnected) {
				showMessage(el, T.failed + '：' + (err && err.message ? err.message : err), true);
			}
			if (window.console) {
				console.error('chart ' + src + ':', err);
			}
			return;
		}
		if (!el.isConnected || window.echarts.getInstanceByDom(el) !== chart) {
			return; // removed or replaced while we waited
		}
		var hasData = spec.categories.length > 0 && spec.series.some(function (s) { return s.data.length > 0; });
		if (!hasData) {
			showMessage(el, (spec.title ? spec.title + ' · ' : '') + T.empty, false);
			return;
		}
		chart.hideLoading();
		chart.setOption(buildOption(spec));
		el.setAttribute('data-chart-ready', '');
	}

	function initCharts(root) {
		var scope = root && root.querySelectorAll ? root : document;
		var els = Array.prototype.slice.call(scope.querySelectorAll('.chart[data-src]'));
		if (scope.matches && scope.matches('.chart[data-src]')) {
			els.unshift(scope);
		}
		els.forEach(function (el) {
			if (charts.has(el)) {
				return;
			}
			charts.add(el);
			if (observer) {
				observer.observe(el);
			}
			loadChart(el).catch(function (err) {
				showMessage(el, T.failed + '：' + err, true);
			});
		});
	}

	// Forget (and free) the charts whose element left the page.
	function pruneCharts() {
		charts.forEach(function (el) {
			if (!el.isConnected) {
				disposeChart(el);
				charts.delete(el);
				if (observer) {
					observer.unobserve(el);
				}
			}
		});
	}

	var resizeTimer = 0;
	function resizeCharts() {
		clearTimeout(resizeTimer);
		resizeTimer = setTimeout(function () {
			charts.forEach(function (el) {
				var inst = window.echarts && window.echarts.getInstanceByDom(el);
				if (inst) {
					inst.resize();
				}
			});
		}, 120);
	}

	window.addEventListener('resize', resizeCharts);
	window.addEventListener('beforeprint', resizeCharts);

	// A chart's box also changes without a window resize: the grid reflows,
	// a hidden panel is shown, the fonts arrive.
	var observer = window.ResizeObserver ? new ResizeObserver(resizeCharts) : null;

	document.addEventListener('htmx:afterSettle', function (evt) {
		pruneCharts();
		initCharts(document);
	});
	document.addEventListener('htmx:historyRestore', function () {
		pruneCharts();
		initCharts(document);
	});

	/* ------------------------------------------------------------------
	 * <form data-confirm="…">
	 * ------------------------------------------------------------------ */

	// The capture phase runs before htmx's own submit listener on the form,
	// so a "no" stops htmx requests as well as plain submits.
	document.addEventListener('submit', function (evt) {
		var form = evt.target;
		if (!(form instanceof HTMLFormElement)) {
			return;
		}
		var submitter = evt.submitter;
		var text = (submitter && submitter.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
		if (text && !window.confirm(text)) {
			evt.preventDefault();
			evt.stopImmediatePropagation();
		}
	}, true);

	/* ------------------------------------------------------------------
	 * <button data-copy="#selector">
	 * ------------------------------------------------------------------ */

	function copyFallback(text) {
		var ta = document.createElement('textarea');
		ta.value = text;
		ta.setAttribute('readonly', '');
		ta.style.position = 'fixed';
		ta.style.top = '-1000px';
		document.body.appendChild(ta);
		ta.select();
		var ok = false;
		try {
			ok = document.execCommand('copy');
		} catch (e) {
			ok = false;
		}
		document.body.removeChild(ta);
		if (!ok) {
			throw new Error('execCommand copy failed');
		}
	}

	function selectText(el) {
		if (typeof el.select === 'function') {
			el.focus();
			el.select();
			return;
		}
		var range = document.createRange();
		range.selectNodeContents(el);
		var sel = window.getSelection();
		sel.removeAllRanges();
		sel.addRange(range);
	}

	async function copyText(text) {
		if (navigator.clipboard && window.isSecureContext) {
			try {
				await navigator.clipboard.writeText(text);
				return;
			} catch (e) {
				// Permission refused (e.g. in a headless browser): try the old way.
			}
		}
		copyFallback(text);
	}

	document.addEventListener('click', function (evt) {
		var btn = evt.target.closest ? evt.target.closest('button[data-copy]') : null;
		if (!btn) {
			return;
		}
		evt.preventDefault();
		var target = document.querySelector(btn.getAttribute('data-copy'));
		if (!target) {
			return;
		}
		var text = ('value' in target && typeof target.value === 'string' && target.tagName !== 'BUTTON')
			? target.value
			: target.textContent.trim();
		var label = btn.getAttribute('data-label') || btn.textContent;
		btn.setAttribute('data-label', label);
		function flash(text, ok, ms) {
			btn.textContent = text;
			if (ok) {
				btn.setAttribute('data-copied', '');
			}
			clearTimeout(btn._copyTimer);
			btn._copyTimer = setTimeout(function () {
				btn.textContent = label;
				btn.removeAttribute('data-copied');
			}, ms);
		}
		copyText(text).then(function () {
			flash(btn.getAttribute('data-copied-text') || T.copied, true, 1600);
		}, function () {
			// No clipboard access: select the text so that Ctrl+C copies it.
			selectText(target);
			flash(T.copyFailed, false, 4000);
		});
	});

	/* ------------------------------------------------------------------
	 * <button data-print>: print the page (the loan-code poster).
	 * ------------------------------------------------------------------ */

	document.addEventListener('click', function (evt) {
		var btn = evt.target.closest ? evt.target.closest('button[data-print]') : null;
		if (btn) {
			evt.preventDefault();
			window.print();
		}
	});

	/* ------------------------------------------------------------------
	 * The project form: <select data-category-select> shows only the chosen
	 * category's methodology inputs (<div class="method-inputs"
	 * data-method="…">) and fills the sector and climate type from it.
	 * ------------------------------------------------------------------ */

	function syncCategory(select, fill) {
		var form = select.form;
		if (!form) {
			return;
		}
		var opt = select.options[select.selectedIndex];
		var method = opt ? opt.getAttribute('data-method') || '' : '';
		var chosen = !!(opt && opt.value);
		form.querySelectorAll('.method-inputs[data-method]').forEach(function (el) {
			// Nothing chosen yet: keep every methodology hidden behind the hint.
			el.hidden = !chosen || el.getAttribute('data-method') !== method;
		});
		var hint = form.querySelector('[data-method-none]');
		if (hint) {
			hint.hidden = chosen && method !== '';
		}
		if (fill && opt) {
			[['sector', 'data-sector'], ['climate_type', 'data-climate']].forEach(function (pair) {
				var field = form.elements[pair[0]];
				var v = opt.getAttribute(pair[1]);
				if (field && v) {
					field.value = v;
				}
			});
		}
	}

	document.addEventListener('change', function (evt) {
		if (evt.target.matches && evt.target.matches('select[data-category-select]')) {
			syncCategory(evt.target, true);
		}
	});

	/* ------------------------------------------------------------------ */

	onReady(function () {
		initCharts(document);
		document.querySelectorAll('select[data-category-select]').forEach(function (el) {
			syncCategory(el, false);
		});
	});
})();
