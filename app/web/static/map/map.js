/* The watch floor map: a client of Watchfloor's public API, nothing private.
 *
 * Reads /threat-level, /threat-level/history, /hotspots, /events, /events/{id} and
 * /assessments/latest, exactly as anyone could. Every value from the API goes into the page as
 * text (textContent), never as markup. No inline script: the page's CSP allows only its files.
 */
(function () {
  "use strict";

  var HISTORY_DAYS = 90;
  var WINDOW_DAYS = 7;
  var EVENTS_PAGE = 200;
  var EVENTS_MAX_PAGES = 5;
  var HOTSPOT_EVENTS_MAX = 12;
  var REGION_VIEW = { center: [38.4, 127.3], zoom: 6 };
  var HOTSPOT_MAX_ZOOM = 7;
  var REGION_BOUNDS = [[28, 112], [46, 148]];
  var TREND_WORDS = { rising: "↑ rising", steady: "→ steady", falling: "↓ falling" };

  var body = document.body;
  var categoryNames = JSON.parse(body.dataset.categories || "{}");
  var state = { from: null, to: null, events: [], eventMarkers: {}, hotspotMarkers: {} };
  var map, hotspotLayer, eventLayer;

  // --- small helpers ---------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function addDays(day, n) {
    var d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return isoDay(d);
  }

  function query(params) {
    var pairs = [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value !== null && value !== undefined && value !== "") {
        pairs.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
      }
    });
    return pairs.length ? "?" + pairs.join("&") : "";
  }

  function categoryName(category) {
    return categoryNames[category] || String(category).replace(/_/g, " ");
  }

  function say(message) {
    document.getElementById("status").textContent = message;
  }

  // GET a path of this service as JSON; a problem+json answer becomes an Error with its detail.
  function getJSON(path) {
    return fetch(path, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.detail || data.title || response.status + " " + path);
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  // `next` links are absolute (they may name a public base URL): follow their path and query.
  function samePath(href) {
    var url = new URL(href, window.location.href);
    return url.pathname + url.search;
  }

  // --- the window ----------------------------------------------------------------------------
  function chooseWindow() {
    var params = new URLSearchParams(window.location.search);
    var from = params.get("from");
    var to = params.get("to");
    if (from && to) return Promise.resolve({ from: from, to: to, note: "" });
    return getJSON("/assessments/latest").then(function (report) {
      return {
        from: report.period.from,
        to: report.period.to,
        note: "The period of the latest weekly report."
      };
    }).catch(function () {
      var today = isoDay(new Date());
      return { from: addDays(today, 1 - WINDOW_DAYS), to: today, note: "The last 7 days." };
    });
  }

  function isCurrent(to) {
    return to >= isoDay(new Date());
  }

  // The window "as known at its end", as the report and /hotspots answer it; today: as known now.
  function threatPath(from, to) {
    if (isCurrent(to)) return "/threat-level" + query({ from: from });
    return "/threat-level" + query({ from: from, at: to + "T23:59:59Z", as_of: addDays(to, 1) + "T00:00:00Z" });
  }

  // --- threat level --------------------------------------------------------------------------
  function renderThreat(threat) {
    var card = clear(document.getElementById("threat"));
    card.appendChild(el("p", { className: "level level-" + threat.level.toLowerCase() }, [
      el("span", { className: "level-name", text: threat.level }),
      el("span", { className: "score", text: " score " + threat.score.toFixed(1) + " / 100" })
    ]));
    var trend = TREND_WORDS[threat.trend] || threat.trend;
    var previous = threat.previous_score === null || threat.previous_score === undefined
      ? "" : " (previous window " + threat.previous_score.toFixed(1) + ")";
    card.appendChild(el("p", { className: "trend", text: "Trend: " + trend + previous }));
    card.appendChild(el("p", {
      className: "muted",
      text: threat.event_count + " events, " + threat.window.from + " to " + threat.window.to
    }));
    if (threat.drivers.length) {
      card.appendChild(el("h3", { text: "Top drivers" }));
      var list = el("ol", { className: "drivers" });
      threat.drivers.forEach(function (driver) {
        var button = el("button", { type: "button", className: "linklike" }, [driver.title]);
        button.addEventListener("click", function () { showEvent(driver.id); });
        list.appendChild(el("li", {}, [
          button,
          el("span", {
            className: "muted",
            text: " " + Math.round(driver.share * 100) + "% of the load · " + driver.event_date +
              " · severity " + driver.severity + " · " + driver.claim_status
          })
        ]));
      });
      card.appendChild(list);
    }
  }

  function renderHistory(history) {
    var figure = clear(document.getElementById("history"));
    var points = history.points;
    if (!points.length) return;
    var width = 300, height = 110, pad = 18;
    var step = (width - 2 * pad) / Math.max(1, points.length - 1);
    var y = function (score) { return height - pad - (score / 100) * (height - 2 * pad); };
    var svgNS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("role", "img");
    var top = points.reduce(function (a, b) { return b.score > a.score ? b : a; }, points[0]);
    var last = points[points.length - 1];
    var summary = "Daily threat score from " + points[0].date + " to " + last.date + ": highest " +
      top.score.toFixed(1) + " (" + top.level + ") on " + top.date + "; last " +
      last.score.toFixed(1) + " (" + last.level + ").";
    svg.setAttribute("aria-label", summary);
    [0, 50, 100].forEach(function (score) {
      var line = document.createElementNS(svgNS, "line");
      line.setAttribute("x1", pad); line.setAttribute("x2", width - pad);
      line.setAttribute("y1", y(score)); line.setAttribute("y2", y(score));
      line.setAttribute("class", "grid");
      svg.appendChild(line);
      var label = document.createElementNS(svgNS, "text");
      label.setAttribute("x", 0); label.setAttribute("y", y(score) + 3);
      label.setAttribute("class", "axis");
      label.textContent = String(score);
      svg.appendChild(label);
    });
    var windowStart = points.findIndex(function (p) { return p.date >= state.from; });
    if (windowStart >= 0) {
      var band = document.createElementNS(svgNS, "rect");
      band.setAttribute("x", pad + windowStart * step);
      band.setAttribute("y", pad);
      band.setAttribute("width", Math.max(2, (points.length - 1 - windowStart) * step));
      band.setAttribute("height", height - 2 * pad);
      band.setAttribute("class", "window-band");
      svg.appendChild(band);
    }
    var d = points.map(function (p, i) {
      return (i ? "L" : "M") + (pad + i * step).toFixed(1) + "," + y(p.score).toFixed(1);
    }).join(" ");
    var path = document.createElementNS(svgNS, "path");
    path.setAttribute("d", d);
    path.setAttribute("class", "series");
    svg.appendChild(path);
    figure.appendChild(svg);
    figure.appendChild(el("figcaption", { className: "muted", text: summary }));
  }

  function renderReport(report) {
    var holder = clear(document.getElementById("report"));
    var link = el("a", { href: "/assessments/" + report.id + "?format=html" }, [
      report.title || "Weekly report"
    ]);
    holder.appendChild(link);
    holder.appendChild(el("span", {
      className: "muted",
      text: " · " + report.period.from + " to " + report.period.to + " · " +
        report.threat_level.level + " (" + report.threat_level.score.toFixed(1) + ")"
    }));
    document.getElementById("report-link").setAttribute("href", "/assessments/" + report.id + "?format=html");
  }

  // --- the map -------------------------------------------------------------------------------
  function initMap() {
    map = L.map("map", {
      center: REGION_VIEW.center,
      zoom: REGION_VIEW.zoom,
      minZoom: 4,
      maxZoom: 11,
      maxBounds: REGION_BOUNDS,
      keyboard: true,
      attributionControl: true
    });
    map.attributionControl.setPrefix("Leaflet");
    var tiles = body.dataset.tilesUrl;
    if (tiles) {
      L.tileLayer(tiles, { attribution: body.dataset.tilesAttribution || "", maxZoom: 11 }).addTo(map);
    }
    hotspotLayer = L.layerGroup().addTo(map);
    eventLayer = L.layerGroup().addTo(map);
    L.control.layers(null, { "Hotspots": hotspotLayer, "Located events": eventLayer }, { collapsed: false }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    return getJSON(body.dataset.basemap).then(function (basemap) {
      L.geoJSON(basemap, {
        interactive: false,
        style: function (feature) {
          var kind = feature.properties.kind;
          if (kind === "land") return { className: "base-land", weight: 0, fillOpacity: 1 };
          if (kind === "border") return { className: "base-border", weight: 1.6, dashArray: "4 3", fill: false };
          return { className: "base-coast", weight: 1, fill: false };
        }
      }).addTo(map).bringToBack();
      map.attributionControl.addAttribution("Natural Earth");
    });
  }

  function hotspotIcon(properties) {
    var intensity = Math.max(1, Math.min(5, properties.intensity));
    var size = 14 + intensity * 6;
    var html = el("span", { className: "hs-wrap" }, [
      el("span", { className: "hs-dot i" + intensity, text: String(intensity) }),
      el("span", { className: "hs-label", text: properties.label })
    ]);
    return L.divIcon({
      className: "hotspot-icon",
      html: html,
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2]
    });
  }

  function eventIcon(event) {
    return L.divIcon({
      className: "event-icon",
      html: el("span", { className: "ev-dot s" + event.severity, text: String(event.severity) }),
      iconSize: [18, 18],
      iconAnchor: [9, 9]
    });
  }

  // Leaflet gives markers tabindex 0 and role=button; Enter or Space opens them like a click.
  function activate(marker, label, open) {
    marker.on("click", open);
    marker.on("keypress", function (e) {
      var key = e.originalEvent.key;
      if (key === "Enter" || key === " ") { e.originalEvent.preventDefault(); open(); }
    });
    marker.on("add", function () {
      var node = marker.getElement();
      if (node) { node.setAttribute("aria-label", label); node.setAttribute("title", label); }
    });
  }

  function renderHotspots(collection) {
    hotspotLayer.clearLayers();
    state.hotspotMarkers = {};
    collection.features.forEach(function (feature) {
      var c = feature.geometry.coordinates;
      var p = feature.properties;
      var marker = L.marker([c[1], c[0]], {
        icon: hotspotIcon(p),
        keyboard: true,
        riseOnHover: true,
        zIndexOffset: 1000 + p.intensity * 10
      });
      var label = "Hotspot " + p.label + ", intensity " + p.intensity + " of 5, " +
        p.event_count + (p.event_count === 1 ? " event" : " events");
      activate(marker, label, function () { showHotspot(feature); });
      marker.addTo(hotspotLayer);
      state.hotspotMarkers[feature.id] = marker;
    });
    // Frame the window's hotspots (not closer than a province, so neighbours stay in view).
    var points = collection.features.map(function (f) {
      return [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    });
    if (points.length) map.fitBounds(points, { padding: [60, 60], maxZoom: HOTSPOT_MAX_ZOOM });
    else map.setView(REGION_VIEW.center, REGION_VIEW.zoom);
    var omitted = collection.omitted_events
      ? " " + collection.omitted_events + " events outside the map's area or without a place are in the list only."
      : "";
    say(collection.features.length + " hotspots, " + collection.threat_level.event_count +
      " events counted." + omitted);
  }

  function renderEventMarkers(events) {
    eventLayer.clearLayers();
    state.eventMarkers = {};
    events.forEach(function (event) {
      if (!event.location || event.location.lat === null || event.location.lat === undefined) return;
      var marker = L.marker([event.location.lat, event.location.lon], {
        icon: eventIcon(event),
        keyboard: true
      });
      var label = "Event: " + event.title + ", " + event.event_date + ", severity " +
        event.severity + ", " + event.claim_status;
      activate(marker, label, function () { showEvent(event.id); });
      marker.addTo(eventLayer);
      state.eventMarkers[event.id] = marker;
    });
  }

  // --- details -------------------------------------------------------------------------------
  function detailPanel(title) {
    var panel = clear(document.getElementById("detail"));
    var heading = document.getElementById("detail-heading");
    heading.textContent = title;
    heading.focus({ preventScroll: true });
    return panel;
  }

  function facts(pairs) {
    var dl = el("dl", { className: "facts" });
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") return;
      dl.appendChild(el("dt", { text: pair[0] }));
      dl.appendChild(el("dd", { text: String(pair[1]) }));
    });
    return dl;
  }

  function evidenceBlock(event) {
    var block = el("article", { className: "evidence-event", "data-event-id": String(event.id) });
    block.appendChild(el("h3", { text: event.title }));
    block.appendChild(facts([
      ["Date", event.event_date + (event.date_precision && event.date_precision !== "day" ? " (" + event.date_precision + ")" : "")],
      ["Category", categoryName(event.category)],
      ["Claim status", event.claim_status],
      ["Severity", event.severity + " of 5"],
      ["Confidence", event.confidence !== undefined ? Math.round(event.confidence * 100) + "%" : ""],
      ["Place", event.location ? event.location.name : "not located"],
      ["Actors", (event.actors || []).join(", ")]
    ]));
    var mentions = event.mentions || [];
    if (mentions.length) {
      block.appendChild(el("h4", { text: "Evidence" }));
      var list = el("ul", { className: "evidence" });
      mentions.forEach(function (mention) {
        var sentences = (mention.evidence && mention.evidence.length ? mention.evidence : [mention.sentence])
          .filter(function (s) { return s; });
        var quote = el("blockquote", {}, sentences.map(function (s) { return el("p", { text: s }); }));
        var source = el("p", { className: "source" }, [
          el("a", { href: mention.url, rel: "noopener noreferrer", target: "_blank", className: "source-link" }, [mention.title || mention.url]),
          " — " + (mention.publisher || "") + ", " + (mention.published_at || "").slice(0, 10) +
            " (" + mention.claim_status + ")"
        ]);
        list.appendChild(el("li", {}, [quote, source]));
      });
      block.appendChild(list);
    }
    var api = el("p", { className: "note" }, [el("a", { href: "/events/" + event.id }, ["/events/" + event.id]), " as JSON"]);
    block.appendChild(api);
    return block;
  }

  function showEvent(id) {
    var panel = detailPanel("Event");
    panel.appendChild(el("p", { className: "muted", text: "Loading…" }));
    return getJSON("/events/" + encodeURIComponent(id)).then(function (event) {
      clear(panel).appendChild(evidenceBlock(event));
      var marker = state.eventMarkers[id];
      if (marker && map.hasLayer(marker)) map.panTo(marker.getLatLng());
    }).catch(function (error) {
      clear(panel).appendChild(el("p", { className: "error", text: "Could not load event " + id + ": " + error.message }));
    });
  }

  function showHotspot(feature) {
    var p = feature.properties;
    var panel = detailPanel("Hotspot: " + p.label);
    panel.appendChild(el("p", { className: "hotspot-detail", text: p.detail }));
    panel.appendChild(facts([
      ["Intensity", p.intensity + " of 5"],
      ["Events", p.event_count],
      ["Categories", (p.categories || []).map(categoryName).join(", ")],
      ["First seen", (p.first_seen || "").slice(0, 16).replace("T", " ")],
      ["Last seen", (p.last_seen || "").slice(0, 16).replace("T", " ")],
      ["Precision", p.precision]
    ]));
    var ids = (p.event_ids || []).slice(0, HOTSPOT_EVENTS_MAX);
    return Promise.all(ids.map(function (id) { return getJSON("/events/" + id); })).then(function (events) {
      events.forEach(function (event) { panel.appendChild(evidenceBlock(event)); });
      if ((p.event_ids || []).length > ids.length) {
        panel.appendChild(el("p", { className: "note", text: (p.event_ids.length - ids.length) + " more events: see the list." }));
      }
    }).catch(function (error) {
      panel.appendChild(el("p", { className: "error", text: "Could not load the events: " + error.message }));
    });
  }

  // --- the timeline --------------------------------------------------------------------------
  function filters() {
    return {
      category: document.getElementById("filter-category").value,
      min_severity: document.getElementById("filter-severity").value,
      claim_status: document.getElementById("filter-claim").value
    };
  }

  function fetchEvents(params) {
    var items = [];
    var pages = 0;
    function page(path) {
      return getJSON(path).then(function (data) {
        items = items.concat(data.items);
        pages += 1;
        if (data.next && pages < EVENTS_MAX_PAGES) return page(samePath(data.next));
        return { items: items, more: Boolean(data.next) };
      });
    }
    return page("/events" + query(params));
  }

  function eventsParams(extra) {
    return Object.assign({ from: state.from, to: state.to, limit: EVENTS_PAGE }, extra || {});
  }

  function renderList(result, params) {
    var list = clear(document.getElementById("events"));
    result.items.forEach(function (event) {
      var open = el("button", { type: "button", className: "event-open", "data-event-id": String(event.id) }, [event.title]);
      open.addEventListener("click", function () { showEvent(event.id); });
      list.appendChild(el("li", { className: "event-row" }, [
        el("span", { className: "event-date", text: event.event_date }),
        open,
        el("span", { className: "badges" }, [
          el("span", { className: "badge category", text: categoryName(event.category) }),
          el("span", { className: "badge severity s" + event.severity, text: "severity " + event.severity }),
          el("span", { className: "badge claim " + event.claim_status, text: event.claim_status }),
          el("span", { className: "badge place", text: event.location ? event.location.name : "no place" })
        ])
      ]));
    });
    var count = result.items.length + (result.more ? "+" : "") + (result.items.length === 1 ? " event" : " events");
    document.getElementById("events-count").textContent = count;
    document.getElementById("events-api").setAttribute("href", "/events" + query(params));
    document.getElementById("events-api").textContent = "/events" + query(params);
  }

  function loadList() {
    var params = eventsParams(filters());
    return fetchEvents(params).then(function (result) { renderList(result, params); });
  }

  // --- putting it together -------------------------------------------------------------------
  function load() {
    var from = state.from, to = state.to;
    var hotspotParams = { from: from, to: to };
    if (!isCurrent(to)) hotspotParams.as_of = addDays(to, 1) + "T00:00:00Z";
    say("Loading " + from + " to " + to + "…");
    return Promise.all([
      getJSON(threatPath(from, to)).then(renderThreat),
      getJSON("/threat-level/history" + query({ from: addDays(to, 1 - HISTORY_DAYS), to: to })).then(renderHistory),
      getJSON("/hotspots" + query(hotspotParams)).then(renderHotspots),
      fetchEvents(eventsParams()).then(function (result) { renderEventMarkers(result.items); }),
      loadList()
    ]).then(function () {
      body.setAttribute("data-loaded", "true");
    }).catch(function (error) {
      say("Could not load the window: " + error.message);
      body.setAttribute("data-loaded", "error");
    });
  }

  function setWindow(win) {
    state.from = win.from;
    state.to = win.to;
    document.getElementById("from").value = win.from;
    document.getElementById("to").value = win.to;
    document.getElementById("window-note").textContent = win.note || "";
  }

  function start() {
    var mapReady = initMap();
    getJSON("/assessments/latest").then(renderReport).catch(function () {
      clear(document.getElementById("report")).appendChild(el("span", { className: "muted", text: "No weekly report yet." }));
    });
    document.getElementById("window-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var from = document.getElementById("from").value;
      var to = document.getElementById("to").value;
      if (!from || !to || from > to) { say("Choose a start day on or before the end day."); return; }
      setWindow({ from: from, to: to, note: "" });
      window.history.replaceState(null, "", window.location.pathname + query({ from: from, to: to }));
      load();
    });
    document.getElementById("filters").addEventListener("change", function () {
      body.setAttribute("data-list", "loading");
      loadList().then(function () { body.setAttribute("data-list", "ready"); })
        .catch(function (error) { say("Could not filter the events: " + error.message); });
    });
    Promise.all([mapReady, chooseWindow()]).then(function (results) {
      setWindow(results[1]);
      return load();
    }).catch(function (error) { say("Could not start the map: " + error.message); });
  }

  start();
})();
