// The phone questionnaire's only script, and an optional one: every screen works without it.
// A second tap while a screen is on its way is ignored, so a slow network sends each screen
// once (the hub would store a rating once anyway: the form carries its response id).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.getAttribute("data-sending")) {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-sending", "1");
  // a page that never came (a lost connection) can be sent again after a while
  setTimeout(function () { form.removeAttribute("data-sending"); }, 8000);
});
