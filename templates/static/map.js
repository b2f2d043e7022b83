// The console's map: county outlines, monitoring stations and the list's points, from the page's
// own data (<script id="map-data">), drawn by Leaflet without map tiles. Every name goes into the
// page as text, never as markup.
(function () {
  "use strict";
  var holder = document.getElementById("map");
  var source = document.getElementById("map-data");
  if (!holder || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(holder, {
    preferCanvas: true, zoomSnap: 0.25, attributionControl: false, zoomControl: false
  });
  L.control.zoom({ zoomInTitle: "放大", zoomOutTitle: "缩小" }).addTo(map);

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) { el.className = className; }
    return el;
  }

  var layers = {};
  var bounds = L.latLngBounds([]);
  if (data.outlines) {
    var counties = L.geoJSON(data.outlines, {
      style: function () {
        return { color: "#475569", weight: 1.5, fill: true, fillColor: "#e2e8f0", fillOpacity: 0.35 };
      },
      onEachFeature: function (feature, layer) {
        var name = (feature.properties && feature.properties.name) || "";
        layer.bindTooltip(text("span", name), {
          permanent: true, direction: "center", className: "county-label"
        });
      }
    }).addTo(map);
    layers["区县"] = counties;
    bounds.extend(counties.getBounds());
  }

  var points = L.layerGroup();
  var sites = L.layerGroup();
  data.points.forEach(function (p) {
    // [lon, lat, kind, name, detail, county, state, href]
    var colour = data.colours[p[6]] || "#475569";
    var marker = L.circleMarker([p[1], p[0]], {
      radius: p[2] === "s" ? 4 : 5, color: "#ffffff", weight: 1, fillColor: colour, fillOpacity: 0.9
    });
    marker.bindPopup(function () {
      var box = document.createElement("div");
      var title = p[7] ? document.createElement("a") : document.createElement("strong");
      title.textContent = p[3];
      if (p[7]) { title.href = p[7]; }
      box.appendChild(title);
      box.appendChild(text("div", p[4], "muted"));
      box.appendChild(text("div", p[5] + "　" + (data.labels[p[6]] || "")));
      return box;
    });
    marker.options.state = p[6];
    (p[2] === "s" ? sites : points).addLayer(marker);
    bounds.extend([p[1], p[0]]);
  });
  points.addTo(map);
  sites.addTo(map);
  layers["企业"] = points;
  layers["扬尘源工地"] = sites;

  var stations = L.layerGroup();
  data.stations.forEach(function (s) {
    var marker = L.circleMarker([s.lat, s.lon], {
      radius: 8, color: "#0f766e", weight: 3, fillColor: s.color || "#ffffff", fillOpacity: 1
    });
    var label = s.name + (s.aqi !== null && s.aqi !== undefined ? "　AQI " + s.aqi : "");
    marker.bindTooltip(text("span", label), { className: "station-label", direction: "top" });
    marker.bindPopup(function () {
      var box = document.createElement("div");
      box.appendChild(text("strong", s.name));
      box.appendChild(text("div", s.aqi !== null && s.aqi !== undefined
        ? s.hour + "　AQI " + s.aqi + "（" + s.category + "）" : "暂无监测数据"));
      return box;
    });
    stations.addLayer(marker);
    bounds.extend([s.lat, s.lon]);
  });
  stations.addTo(map);
  layers["监测站点"] = stations;

  // expanded beside a wide map; on a phone a 图层 button opens it
  var control = L.control.layers(null, layers, { collapsed: holder.clientWidth < 600 }).addTo(map);
  var toggle = control.getContainer().querySelector(".leaflet-control-layers-toggle");
  if (toggle) { toggle.title = "图层"; toggle.setAttribute("aria-label", "图层"); }
  L.control.scale({ imperial: false }).addTo(map);
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [12, 12] });
  } else {
    map.setView([35, 105], 4);
  }
  holder.leafletMap = map;  // for the browser tests and a curious duty officer's console
  holder.setAttribute("data-points", String(data.points.length));
  holder.setAttribute("data-ready", "1");
}());
