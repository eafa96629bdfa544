// Planner page: guard the challenge form against a double submit. Everything works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("challenge-form");
  if (!form) {
    return;
  }
  form.addEventListener("submit", () => {
    const button = document.getElementById("challenge-submit");
    if (button) {
      button.disabled = true;
      button.textContent = "Saving…";
    }
  });
});
