/*
 * GEP accounting (一键式 GEP 核算) pages. Loaded by templates/gep.html only;
 * no inline scripts (strict CSP). The one-click button posts with htmx and
 * the progress partial polls /gep/jobs/{id} by itself (hx-trigger="load
 * delay:250ms"); when the run has ended the partial holds a link with
 * data-gep-result, and this script opens it after a short pause so that
 * the user sees the bar reach 100 %.
 */
(function () {
	'use strict';

	function follow(scope) {
		var link = scope && scope.querySelector ? scope.querySelector('a[data-gep-result]') : null;
		if (!link || link.hasAttribute('data-gep-followed')) {
			return;
		}
		link.setAttribute('data-gep-followed', '');
		window.setTimeout(function () {
			window.location.assign(link.getAttribute('href'));
		}, 600);
	}

	document.addEventListener('htmx:afterSettle', function (evt) {
		var job = document.getElementById('gep-job');
		if (job && job.contains(evt.target)) {
			follow(job);
		}
	});
})();
