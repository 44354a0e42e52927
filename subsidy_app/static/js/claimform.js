/* The claim form asks only what the chosen incentive needs. The server puts the chosen
 * incentive's fields in the form and every other incentive's in a <template> (not shown, not
 * sent); when the choice changes this script puts that incentive's fields in their place,
 * without reloading (what was typed in an incentive's fields is kept should the user come
 * back to it), shows the blocks marked data-programs for it (the talent field, the button),
 * and keeps the address (?program=...) in step so that a reload shows the same form.
 * Without script the "show" button sends the choice and the page comes back with that
 * incentive's fields.
 *
 * A static file, as the Content Security Policy wants (no inline script or style).
 */
(function () {
  "use strict";

  var form = document.getElementById("claim-form");
  var select = form && form.querySelector("[data-claim-program]");
  var slot = document.getElementById("incentive-fields");
  if (!select || !slot) {
    return;
  }
  var fieldsets = {};
  var current = slot.querySelector("fieldset[data-incentive]");
  if (current) {
    fieldsets[current.getAttribute("data-incentive")] = current;
  }

  function fieldsetOf(program) {
    if (!fieldsets[program]) {
      var template = form.querySelector('template[data-incentive="' + program + '"]');
      if (!template) {
        return null;
      }
      fieldsets[program] = template.content.firstElementChild.cloneNode(true);
    }
    return fieldsets[program];
  }

  function shows(element, program) {
    var list = (element.getAttribute("data-programs") || "").split(" ").filter(Boolean);
    return list.length ? list.indexOf(program) >= 0 : program === "";
  }

  function update(moveFocus) {
    var program = select.value;
    var wanted = program ? fieldsetOf(program) : null;
    var live = slot.querySelector("fieldset[data-incentive]");
    if (live !== wanted) {
      if (live) {
        slot.removeChild(live);
      }
      if (wanted) {
        slot.appendChild(wanted);
      }
    }
    var blocks = form.querySelectorAll("[data-programs]");
    for (var i = 0; i < blocks.length; i += 1) {
      var on = shows(blocks[i], program);
      blocks[i].hidden = !on;
      if (blocks[i].tagName === "FIELDSET") {
        blocks[i].disabled = !on;
      }
    }
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      if (program) {
        url.searchParams.set("program", program);
      } else {
        url.searchParams.delete("program");
      }
      window.history.replaceState(null, "", url.toString());
    }
    if (moveFocus && program) {
      var first = form.querySelector(
        "fieldset:not([hidden]) input, fieldset:not([hidden]) select, fieldset:not([hidden]) textarea"
      );
      if (first) {
        first.focus();
      }
    }
    form.dispatchEvent(new CustomEvent("claim-program", { detail: program }));
  }

  var show = form.querySelector("[data-claim-show]");
  if (show) {
    show.hidden = true;
  }
  select.addEventListener("change", function () {
    update(false);
  });
  var links = form.querySelectorAll("[data-claim-choose]");
  for (var i = 0; i < links.length; i += 1) {
    links[i].addEventListener("click", function (event) {
      event.preventDefault();
      select.value = this.getAttribute("data-claim-choose");
      update(true);
    });
  }
  update(false);
})();
