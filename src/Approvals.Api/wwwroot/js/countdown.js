// Deadline countdowns: every [data-countdown] element (its deadline as an ISO time; the server rendered its first
// text, e.g. "(in 3 days)") shows the time left, updated every second within the last hour, else every 30 seconds.
(function () {
    'use strict';

    var items = document.querySelectorAll('[data-countdown]');
    if (items.length === 0) {
        return;
    }

    function plural(count, unit) {
        return count + ' ' + unit + (count === 1 ? '' : 's');
    }

    function words(milliseconds) {
        var total = Math.floor(Math.abs(milliseconds) / 1000);
        var days = Math.floor(total / 86400);
        var hours = Math.floor((total % 86400) / 3600);
        var minutes = Math.floor((total % 3600) / 60);
        var seconds = total % 60;
        var parts = days > 0 ? [[days, 'day'], [hours, 'hour']]
            : hours > 0 ? [[hours, 'hour'], [minutes, 'minute']]
            : [[minutes, 'minute'], [seconds, 'second']];
        var text = parts.filter(function (part) { return part[0] > 0; })
            .map(function (part) { return plural(part[0], part[1]); })
            .join(' ') || 'less than a second';
        return milliseconds >= 0 ? 'in ' + text : text + ' ago';
    }

    function tick() {
        var now = Date.now();
        var nearest = Infinity;
        items.forEach(function (item) {
            var left = Date.parse(item.getAttribute('data-countdown')) - now;
            if (!isNaN(left)) {
                item.textContent = '(' + words(left) + ')';
                nearest = Math.min(nearest, Math.abs(left));
            }
        });
        window.setTimeout(tick, nearest < 3600000 ? 1000 : 30000);
    }

    tick();
}());
