/* The talent picker of the claim form: as the user types part of a name or a talent code,
 * it asks the server (/talents/picker.json, the session's own cookie, same origin) for the
 * talents the user may name on the chosen incentive, at most 20 {code, name}, and offers
 * them in the field's <datalist>; choosing one puts its code in the field and its name
 * beside it. The server decides who may be named (an employer: its own staff only); the
 * script only shows what it answers. Without script the field takes a code or an exact name.
 *
 * A static file, as the Content Security Policy wants (no inline script or style).
 */
(function () {
  "use strict";

  var input = document.querySelector("input[data-picker-url]");
  if (!input || !window.fetch) {
    return;
  }
  var list = document.getElementById(input.getAttribute("list"));
  var picked = document.getElementById("talent-picked");
  var program = document.querySelector("[data-claim-program]");
  var names = {};
  var timer = null;
  var asked = 0;

  function showPicked() {
    if (picked) {
      picked.textContent = names[input.value.trim().toUpperCase()] || "";
    }
  }

  function fill(talents) {
    list.textContent = "";
    names = {};
    talents.forEach(function (t) {
      var option = document.createElement("option");
      option.value = t.code;
      option.label = t.name;
      option.textContent = t.name;
      list.appendChild(option);
      names[t.code] = t.name;
    });
    showPicked();
  }

  function ask() {
    var url = new URL(input.getAttribute("data-picker-url"), window.location.href);
    url.searchParams.set("q", input.value.trim());
    if (program && program.value) {
      url.searchParams.set("program", program.value);
    }
    var mine = (asked += 1);
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { talents: [] };
      })
      .then(function (data) {
        if (mine === asked) {
          fill(data.talents || []);
        }
      })
      .catch(function () {
        if (mine === asked) {
          fill([]);
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 200);
  }

  input.addEventListener("input", function () {
    showPicked();
    later();
  });
  input.addEventListener("focus", later);
  var form = input.form;
  if (form) {
    form.addEventListener("claim-program", later);
  }
})();
