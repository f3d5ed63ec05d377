// Live updates of the approval detail page. The status and delivery region names the page's event stream
// (data-live-source: /approvals/{id}/live, Server-Sent Events fed by the event feed); it and the timeline each name
// their own rendering (data-live-partial: a handler of the page). Each change announced on the stream fetches those
// renderings again and puts them in place, so there is one rendering of each: the server's. The status region is
// aria-live="polite". The browser's EventSource reconnects by itself, sending the last cursor as Last-Event-ID; the
// stream ends once the request is final.
(function () {
    'use strict';

    var live = document.querySelector('[data-live-source]');
    var note = document.querySelector('[data-live-note]');
    if (!live || !('EventSource' in window)) {
        return;
    }

    var regions = Array.prototype.map.call(document.querySelectorAll('[data-live-partial]'), function (element) {
        return { element: element, fetching: false, again: false };
    });

    function say(text) {
        if (note) {
            note.textContent = text;
        }
    }

    function refresh(region) {
        if (region.fetching) {
            region.again = true;
            return;
        }

        region.fetching = true;
        region.again = false;
        fetch(region.element.getAttribute('data-live-partial'), { headers: { Accept: 'text/html' }, cache: 'no-store', credentials: 'same-origin' })
            .then(function (response) {
                if (!response.ok) {
                    throw new Error('HTTP ' + response.status);
                }
                return response.text();
            })
            .then(function (html) {
                region.element.innerHTML = html;
            })
            .catch(function () {
                say('This page could not be updated; reload it to see the latest state.');
            })
            .then(function () {
                region.fetching = false;
                if (region.again) {
                    refresh(region);
                }
            });
    }

    var source = new EventSource(live.getAttribute('data-live-source'));
    source.addEventListener('ready', function () {
        live.setAttribute('data-live', 'connected');
        say('');
    });
    source.addEventListener('change', function () {
        regions.forEach(refresh);
    });
    source.addEventListener('end', function () {
        source.close();
        live.setAttribute('data-live', 'ended');
    });
    source.addEventListener('error', function () {
        if (source.readyState === EventSource.CLOSED) {
            live.setAttribute('data-live', 'stopped');
            say('Live updates stopped; reload the page to see the latest state.');
        }
    });
}());
