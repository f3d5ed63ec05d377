// The new request form: the deadline is typed in the person's own time; tell the server that time's offset from UTC
// at the deadline itself (daylight saving time may differ from today's), and name the zone next to the field.
(function () {
    'use strict';
    var form = document.getElementById('new-request');
    if (!form) {
        return;
    }

    var deadline = form.elements.namedItem('deadline');
    var offset = form.elements.namedItem('deadlineOffset');
    var zone = document.getElementById('deadline-zone');
    try {
        var name = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (zone && name) {
            zone.textContent = ' (' + name + ')';
        }
    } catch (e) {
        // No zone name: the hint stays as it is.
    }

    form.addEventListener('submit', function () {
        // A datetime-local value without an offset is read as local time.
        var at = deadline.value ? new Date(deadline.value) : new Date();
        offset.value = isNaN(at.getTime()) ? '' : String(-at.getTimezoneOffset());
    });
})();
