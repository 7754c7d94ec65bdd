// Runs before the portal's first paint (a classic script in <head>, so it blocks rendering until
// done): puts the person's stored theme choice on <html data-theme>, so a dark page never flashes
// white. No choice, or "system", leaves the attribute off and the stylesheet follows the system.
// The key and the values are lib/theme.ts's, which changes the choice afterwards.
(() => {
  try {
    const choice = localStorage.getItem("fim-theme");
    if (choice === "light" || choice === "dark") document.documentElement.dataset.theme = choice;
  } catch {
    // Storage refused (private mode, blocked cookies): the system's theme it is.
  }
})();
