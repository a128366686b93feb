/* The call console's place picker (来电登记), without inline scripts (quick phrases and knowledge answers
   are bound by site.js):
   - a cascading division picker (县 → 乡镇/街道 → 村/社区) built from a grouped <select data-division-picker>;
     without JavaScript the grouped select itself is the picker. No outside requests, no map tiles;
   - place-search results ([data-place-code]) fill the division and the address. */
(function () {
  "use strict";
  function option(value, text) { var o = document.createElement("option"); o.value = value; o.textContent = text; return o; }

  function build(select) {
    var groups = Array.prototype.filter.call(select.children, function (c) { return c.tagName === "OPTGROUP"; });
    var top = Array.prototype.filter.call(select.children, function (c) { return c.tagName === "OPTION"; });
    var wrap = document.createElement("div");
    wrap.className = "division-cascade";
    var township = document.createElement("select");
    var village = document.createElement("select");
    township.setAttribute("aria-label", select.getAttribute("data-township-label") || "乡镇/街道");
    village.setAttribute("aria-label", select.getAttribute("data-village-label") || "村/社区");
    top.forEach(function (o) { township.appendChild(option("top:" + o.value, o.textContent)); });
    groups.forEach(function (g, i) { township.appendChild(option("group:" + i, g.label)); });

    function fillVillages() {
      village.innerHTML = "";
      var v = township.value;
      if (v.indexOf("group:") === 0) {
        var g = groups[parseInt(v.slice(6), 10)];
        Array.prototype.forEach.call(g.children, function (o) { village.appendChild(option(o.value, o.textContent)); });
        village.hidden = false;
        select.value = village.value;
      } else {
        village.hidden = true;
        select.value = v.slice(4);
      }
    }
    function syncFromSelect() {
      var chosen = select.options[select.selectedIndex];
      if (!chosen) { return; }
      var parent = chosen.parentNode;
      var code = chosen.value;
      if (parent.tagName === "OPTGROUP") {
        township.value = "group:" + groups.indexOf(parent);
        fillVillages();
        village.value = code;
        select.value = code;
      } else {
        township.value = "top:" + chosen.value;
        fillVillages();
      }
    }
    township.addEventListener("change", fillVillages);
    village.addEventListener("change", function () { select.value = village.value; });
    select.addEventListener("change", syncFromSelect);
    wrap.appendChild(township); wrap.appendChild(village);
    select.parentNode.insertBefore(wrap, select);
    select.hidden = true;
    township.id = select.id + "_township";
    village.id = select.id + "_village";
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (label) { label.setAttribute("for", township.id); }
    syncFromSelect();
    select.yiwangSync = syncFromSelect;
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-division-picker]"), build);
  });

  document.addEventListener("click", function (event) {
    var place = event.target.closest ? event.target.closest("[data-place-code]") : null;
    if (place) {
      var select = document.querySelector("select[data-division-picker]");
      if (select) {
        select.value = place.getAttribute("data-place-code");
        if (select.yiwangSync) { select.yiwangSync(); }
      }
      var address = document.getElementById("id_address");
      if (address && !address.value) { address.value = place.getAttribute("data-place-address"); }
    }
  });
}());
