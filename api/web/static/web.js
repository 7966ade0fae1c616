/* The workspace's one script of its own (the CSP allows scripts from this site only, none inline).

   Focus after a one-click decision: htmx replaces the decision block, and with it the button that had focus,
   which left keyboard and screen reader users at the top of the page. The block the server sends back names the
   action taken (data-action); approving or rejecting then moves focus to the title of the next recommendation
   not yet decided (the decided one's when none follows), saving a note to the new block's note button. What was
   done is read out from #live-status, which the same answer fills (an htmx out-of-band swap).

   What was typed into a form when the session had ended: the server answers the form with the sign-in page
   (a redirect, or a 401 with HX-Redirect for htmx), which says it was not saved, and then sends the browser back
   to the page; what was typed there would be gone. So when a POST form is sent, what was typed or chosen in the
   page's POST forms is kept in this tab (sessionStorage, never sent anywhere), and:
   - the sign-in page that says nothing was saved (data-drafts-unsaved) keeps it for after signing in, as does
     an htmx 401 (a decision's, or a poll's that leaves the page);
   - any other answer (saved; shown again with its problems, the typed values in it; signed out) forgets it;
   - after signing in, each kept form is given back where the same form is shown (its address and hidden
     fields: a decision's tender): each field that shows otherwise now gets what it held when sent (as sending
     would have), said to be unsent (the nearest data-draft-restored words), with focus on the sent form's
     first. It is for the person to check and send with the new session's token: nothing is sent on its own,
     and once given back it is forgotten.
   Passwords (the API key), hidden fields and files are never kept. A kept form is given back only to the person
   who typed it (body data-who), and dropped after a day. */
(function () {
  "use strict";

  var UNDECIDED = ["none", "proposed"];

  function undecided(article) {
    var block = article.querySelector(".decision");
    return block !== null && UNDECIDED.indexOf(block.getAttribute("data-status")) !== -1;
  }

  function nextUndecided(article) {
    for (var next = article.nextElementSibling; next !== null; next = next.nextElementSibling) {
      if (next.matches("article.match") && undecided(next)) {
        return next;
      }
    }
    return null;
  }

  function focusAfter(block) {
    var article = block.closest("article.match");
    if (article === null) {
      return;
    }
    var action = block.getAttribute("data-action");
    var target = action === "note"
      ? block.querySelector('button[value="note"]')
      : (nextUndecided(article) || article).querySelector("h3 a");
    if (target !== null) {
      target.focus();
    }
  }

  var DRAFTS = "tm-drafts";
  var DRAFT_MS = 24 * 3600 * 1000;
  // Never kept: what is not typed or chosen, and passwords (the API key on the sign-in page).
  var NEVER_KEPT = ["password", "hidden", "file", "submit", "button", "reset", "image"];

  function drafts() {
    try {
      var found = JSON.parse(window.sessionStorage.getItem(DRAFTS) || "[]");
      return Array.isArray(found) ? found.filter(function (d) {
        return d !== null && typeof d.form === "string" && typeof d.fields === "object" && d.fields !== null
          && typeof d.who === "string" && typeof d.at === "number" && Date.now() - d.at <= DRAFT_MS;
      }) : [];  // one of another shape (an older script's), or stale: dropped
    } catch (e) {
      return [];
    }
  }

  function keepDrafts(list) {
    try {
      window.sessionStorage.setItem(DRAFTS, JSON.stringify(list));
    } catch (e) { /* storage off or full: the sign-in page still says the form was not saved */ }
  }

  function who() {
    return document.body.getAttribute("data-who") || "";
  }

  // getAttribute: a field named "action" or "method" (the decision buttons) shadows the form's property.
  function isPost(form) {
    return form instanceof HTMLFormElement && (form.getAttribute("method") || "").toLowerCase() === "post";
  }

  function postForms() {
    return Array.prototype.filter.call(document.forms, isPost);
  }

  // The same form on any page: where it is sent and what its hidden fields name (a decision's tender), not the
  // session's token.
  function formKey(form) {
    var hidden = Array.prototype.filter.call(form.elements, function (field) {
      return field.type === "hidden" && field.name !== "csrf_token";
    }).map(function (field) { return field.name + "=" + field.value; }).sort();
    return [new URL(form.getAttribute("action") || "", window.location.href).pathname].concat(hidden).join("&");
  }

  function keepable(field) {
    return field.name !== "" && !field.disabled && NEVER_KEPT.indexOf(field.type) === -1
      && !/password|one-time-code/.test(field.getAttribute("autocomplete") || "");
  }

  function fieldKey(field) {
    return field.type === "checkbox" || field.type === "radio" ? field.name + "=" + field.value : field.name;
  }

  // What a field holds now, or held when the page was shown (what a reset gives back), as a string.
  function held(field, now) {
    if (field.type === "checkbox" || field.type === "radio") {
      return String(now ? field.checked : field.defaultChecked);
    }
    if (field.type === "select-one" || field.type === "select-multiple") {
      var options = Array.prototype.slice.call(field.options);
      var chosen = options.filter(function (o) { return now ? o.selected : o.defaultSelected; });
      if (!now && chosen.length === 0 && field.type === "select-one" && options.length > 0) {
        chosen = [options[0]];
      }
      return JSON.stringify(chosen.map(function (o) { return o.value; }));
    }
    return now ? field.value : field.defaultValue;
  }

  function put(field, value) {
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = value === "true";
    } else if (field.type === "select-one" || field.type === "select-multiple") {
      var chosen = [];
      try {
        chosen = JSON.parse(value);
      } catch (e) { /* not one this script kept: nothing chosen */ }
      Array.prototype.forEach.call(field.options, function (o) {
        o.selected = Array.isArray(chosen) && chosen.indexOf(o.value) !== -1;
      });
    } else {
      field.value = value;
    }
  }

  // What a form holds, when anything in it was typed or chosen: all of it, since a form shown again with its
  // problems holds what was typed before as the page's own values.
  function typedIn(form) {
    var fields = {};
    var typed = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (keepable(field)) {
        fields[fieldKey(field)] = held(field, true);
        typed = typed || held(field, true) !== held(field, false);
      }
    });
    return typed ? fields : null;
  }

  // Keeps what was typed into the page's forms (``sent``: the form sent, if any), in place of what was kept of
  // them before.
  function keepPage(sent, unsaved) {
    var forms = postForms();
    var keys = forms.map(formKey);
    var list = drafts().filter(function (d) { return keys.indexOf(d.form) === -1; });
    forms.forEach(function (form, index) {
      var fields = typedIn(form);
      if (fields !== null) {
        list.push({form: keys[index], fields: fields, sent: form === sent, unsaved: unsaved, who: who(),
                   at: Date.now()});
      }
    });
    keepDrafts(list);
  }

  document.addEventListener("submit", function (event) {
    if (who() !== "" && isPost(event.target)) {  // not the sign-in page; a search's text travels in its address
      keepPage(event.target, false);
    }
  }, true);  // capture: before htmx sends a form of its own

  // htmx: a 401 (a decision, or the officer page's polling) leaves for the sign-in page before any page answer
  // could say so; a form's other answers came with a live session (saved, or refused on the page).
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (event.detail.xhr.status === 401 && who() !== "") {
      keepPage(isPost(event.detail.elt) ? event.detail.elt : null, true);
    } else if (isPost(event.detail.elt)) {
      keepDrafts(drafts().filter(function (d) { return d.unsaved; }));
    }
  });

  function giveBack(draft, index) {
    var form = postForms().filter(function (f) { return formKey(f) === draft.form; })[0];
    if (form === undefined) {
      return null;  // not on this page
    }
    var given = Array.prototype.filter.call(form.elements, function (field) {
      var key = fieldKey(field);
      if (!keepable(field) || typeof draft.fields[key] !== "string" || held(field, true) === draft.fields[key]) {
        return false;
      }
      put(field, draft.fields[key]);
      return true;
    });
    if (given.length > 0) {
      var notice = document.createElement("p");
      notice.className = "notice";
      notice.id = "draft-restored-" + index;
      var said = form.closest("[data-draft-restored]");  // the page's words (body), or the form's (a decision)
      notice.textContent = said === null ? "" : said.getAttribute("data-draft-restored");
      form.insertBefore(notice, form.firstChild);
      given.forEach(function (field) {
        field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + notice.id).trim());
      });
    }
    return given;
  }

  function settleDrafts() {
    var list = drafts();
    if (who() === "") {
      // The sign-in page: after a form sent with an ended session it says nothing was saved, so what was sent is
      // kept for the page after signing in; any other answer (signed out) drops it. Kept ones wait.
      var unsaved = document.querySelector("[data-drafts-unsaved]") !== null;
      keepDrafts(list.filter(function (d) { return d.unsaved || unsaved; }).map(function (d) {
        d.unsaved = true;
        return d;
      }));
      return;
    }
    var left = [];
    var focus = null;
    list.forEach(function (draft, index) {
      if (!draft.unsaved || draft.who !== who()) {
        return;  // answered with a live session (saved, or shown again with its problems), or someone else's
      }
      var given = giveBack(draft, index);
      if (given === null) {
        left.push(draft);  // for when its form is shown
      } else if (given.length > 0 && (focus === null || (draft.sent && !focus.sent))) {
        focus = {field: given[0], sent: draft.sent};
      }
    });
    keepDrafts(left);
    if (focus !== null) {
      focus.field.focus();
    }
  }

  settleDrafts();  // the script is deferred: the page is parsed

  document.addEventListener("htmx:afterSettle", function (event) {
    var block = event.target;
    if (block instanceof Element && block.matches(".decision[data-action]")) {
      focusAfter(block);
    }
  });
}());
