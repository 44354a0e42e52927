/* The job page follows its job without reloading: it asks the page's own status address
 * (session cookie, same origin) every second and writes what it answers into the page, until
 * the job has finished; then it shows the link to the result and, for a bulk approval, the
 * refusals grouped by reason. The words come from the server, in the user's language.
 *
 * Links with data-dialog="<id>" open that <dialog> instead of their confirmation page (the
 * page is what a browser without script, or without <dialog>, gets).
 *
 * A static file, as the Content Security Policy wants (no inline script, no inline style:
 * the bar is a <progress> element whose value is set, never a width).
 */
(function () {
  "use strict";

  var EVERY_MS = 1000;

  function setShown(element, shown) {
    if (element) {
      element.hidden = !shown;
    }
  }

  function fillRefusals(refusals) {
    var section = document.getElementById("job-refusals");
    if (!section) {
      return;
    }
    var body = section.querySelector("tbody");
    if (refusals && refusals.length && body) {
      body.textContent = "";
      refusals.forEach(function (refusal) {
        var row = document.createElement("tr");
        [refusal.reason, refusal.count, refusal.example].forEach(function (value, index) {
          var cell = document.createElement("td");
          cell.textContent = value === null || value === undefined ? "" : String(value);
          if (index === 1) {
            cell.className = "num";
          }
          row.appendChild(cell);
        });
        body.appendChild(row);
      });
    }
    setShown(section, Boolean(refusals && refusals.length));
  }

  function fill(root, state) {
    document.querySelectorAll("[data-job]").forEach(function (element) {
      var value = state[element.getAttribute("data-job")];
      element.textContent =
        value === null || value === undefined || value === ""
          ? element.getAttribute("data-empty") || ""
          : String(value);
    });
    root.querySelectorAll("[data-job-show]").forEach(function (element) {
      setShown(element, Boolean(state[element.getAttribute("data-job-show")]));
    });
    var left = root.querySelector("[data-job='time_left']");
    setShown(left, Boolean(state.time_left));

    var bar = root.querySelector("progress");
    if (bar) {
      if (state.percent === null || state.percent === undefined) {
        bar.removeAttribute("value");
      } else {
        bar.value = state.percent;
      }
      bar.textContent = state.percent_text || "";
    }
    var chip = root.querySelector("[data-job-status]");
    if (chip) {
      chip.className = "job-status job-status-" + state.status;
    }
    var link = root.querySelector("[data-job-result]");
    if (link && state.result_url) {
      link.href = state.result_url;
      link.textContent = state.result_label;
    }
    root.setAttribute("data-status", state.status);
    if (state.finished) {
      root.setAttribute("data-finished", "");
      fillRefusals(state.refusals);
      var dialog = document.getElementById("cancel-dialog");
      if (dialog && dialog.open) {
        dialog.close();
      }
    }
  }

  function follow(root) {
    var url = root.getAttribute("data-status-url");
    var failures = 0;

    function again(delay) {
      window.setTimeout(tick, delay);
    }

    function tick() {
      window
        .fetch(url, {
          credentials: "same-origin",
          cache: "no-store",
          headers: { Accept: "application/json" },
        })
        .then(function (response) {
          if (response.status === 404 || response.status === 403) {
            throw new Error("gone");
          }
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (state) {
          failures = 0;
          fill(root, state);
          if (!state.finished) {
            again(EVERY_MS);
          }
        })
        .catch(function (error) {
          failures += 1;
          if (error.message !== "gone" && failures < 30) {
            again(Math.min(10000, EVERY_MS * (failures + 1)));
          }
        });
    }

    if (!root.hasAttribute("data-finished")) {
      again(Math.round(EVERY_MS / 2));
    }
  }

  function dialogs() {
    document.querySelectorAll("a[data-dialog]").forEach(function (link) {
      var dialog = document.getElementById(link.getAttribute("data-dialog"));
      if (!dialog || typeof dialog.showModal !== "function") {
        return; // the link leads to the confirmation page
      }
      link.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.showModal();
      });
    });
    document.querySelectorAll("dialog [data-close]").forEach(function (button) {
      button.addEventListener("click", function () {
        button.closest("dialog").close();
      });
    });
  }

  function start() {
    dialogs();
    var root = document.querySelector("[data-status-url]");
    if (root && window.fetch) {
      follow(root);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
