// The admin header's language switch: submit on choosing, no button needed.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const select = document.getElementById("language-select");
  const button = document.getElementById("language-go");
  if (!select || !button) return;
  button.hidden = true;
  select.addEventListener("change", function () { select.form.submit(); });
});
