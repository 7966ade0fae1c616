/* The workspace's one script of its own (the CSP allows scripts from this site only, none inline).

   Focus after a one-click decision: htmx replaces the decision block, and with it the button that had focus,
   which left keyboard and screen reader users at the top of the page. The block the server sends back names the
   action taken (data-action); approving or rejecting then moves focus to the title of the next recommendation
   not yet decided (the decided one's when none follows), saving a note to the new block's note button. What was
   done is read out from #live-status, which the same answer fills (an htmx out-of-band swap).

   A note typed when the session had ended: the server answers the decision 401 and sends the browser to sign
   in (HX-Redirect), then back to the page. Before htmx follows, the note is kept in this tab (sessionStorage,
   never sent anywhere), and the firm page gives it back in that item's note field, saying it was not saved,
   for the person to check and send with the new session's token: nothing is sent on its own. A kept note is
   given back only to the person who typed it (body data-who), and dropped after a day. */
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

  function drafts() {
    try {
      var found = JSON.parse(window.sessionStorage.getItem(DRAFTS) || "[]");
      return Array.isArray(found) ? found : [];
    } catch (e) {
      return [];
    }
  }

  function keepDrafts(list) {
    try {
      window.sessionStorage.setItem(DRAFTS, JSON.stringify(list));
    } catch (e) { /* storage off or full: the sign-in page still says the note was not saved */ }
  }

  function who() {
    return document.body.getAttribute("data-who") || "";
  }

  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var form = event.target;
    if (event.detail.xhr.status !== 401 || !(form instanceof HTMLFormElement) || form.closest(".decision") === null) {
      return;
    }
    var note = form.elements.namedItem("note");
    var tender = form.elements.namedItem("tender_id");
    if (note === null || tender === null || note.value.trim() === "") {
      return;
    }
    var list = drafts().filter(function (d) {
      return !(d.page === window.location.pathname && d.tender === tender.value);
    });
    list.push({page: window.location.pathname, tender: tender.value, note: note.value, who: who(), at: Date.now()});
    keepDrafts(list);
  });

  function giveBack(draft, said, index) {
    var article = document.querySelector('article.match[data-tender="' + CSS.escape(draft.tender) + '"]');
    var note = article === null ? null : article.querySelector('.decision textarea[name="note"]');
    if (note === null || note.value !== "") {
      return null;
    }
    note.value = draft.note;
    var notice = document.createElement("p");
    notice.className = "notice";
    notice.id = "draft-restored-" + index;
    notice.textContent = said;
    note.form.insertBefore(notice, note.form.firstChild);
    note.setAttribute("aria-describedby", notice.id);
    return note;
  }

  function restoreDrafts() {
    if (who() === "") {
      return;  // nobody signed in (the sign-in page): kept for the page after it
    }
    var section = document.querySelector("[data-draft-restored]");
    var left = [];
    var first = null;
    drafts().forEach(function (draft, index) {
      if (Date.now() - draft.at > DRAFT_MS || draft.who !== who()) {
        return;  // stale, or someone else's: dropped
      }
      var given = section !== null && draft.page === window.location.pathname
        ? giveBack(draft, section.getAttribute("data-draft-restored"), index) : null;
      if (given === null) {
        left.push(draft);  // for when its page is shown
      } else if (first === null) {
        first = given;
      }
    });
    keepDrafts(left);
    if (first !== null) {
      first.focus();
    }
  }

  restoreDrafts();  // the script is deferred: the page is parsed

  document.addEventListener("htmx:afterSettle", function (event) {
    var block = event.target;
    if (block instanceof Element && block.matches(".decision[data-action]")) {
      focusAfter(block);
    }
  });
}());
