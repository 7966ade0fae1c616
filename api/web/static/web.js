/* The workspace's one script of its own (the CSP allows scripts from this site only, none inline).

   Focus after a one-click decision: htmx replaces the decision block, and with it the button that had focus,
   which left keyboard and screen reader users at the top of the page. The block the server sends back names the
   action taken (data-action); approving or rejecting then moves focus to the title of the next recommendation
   not yet decided (the decided one's when none follows), saving a note to the new block's note button. What was
   done is read out from #live-status, which the same answer fills (an htmx out-of-band swap). */
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

  document.addEventListener("htmx:afterSettle", function (event) {
    var block = event.target;
    if (block instanceof Element && block.matches(".decision[data-action]")) {
      focusAfter(block);
    }
  });
}());
