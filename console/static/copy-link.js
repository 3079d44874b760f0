// "Copy the link" buttons: copy the text of the element named by data-copy and say so on the button.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var done = function () { button.textContent = "Copied"; };
      var select = function () {  // no clipboard access (an address without https): select it to copy by hand
        var range = document.createRange();
        range.selectNodeContents(source);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        button.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.textContent.trim()).then(done, select);
      } else {
        select();
      }
    });
  });
}());
