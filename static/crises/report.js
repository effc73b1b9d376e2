// The report's Print button (shown only when scripts run; printing works from the browser menu anyway).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
