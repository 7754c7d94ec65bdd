// The person's theme: "system" (follow the operating system), "light" or "dark". Kept in
// localStorage and shown as <html data-theme>, which the stylesheet reads; public/theme.js applies
// the stored choice before the first paint, this module changes it afterwards.
import { useEffect, useState } from "react";

export type ThemeChoice = "system" | "light" | "dark";

const STORAGE_KEY = "fim-theme";

function isChoice(value: unknown): value is ThemeChoice {
  return value === "system" || value === "light" || value === "dark";
}

export function storedTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isChoice(value) ? value : "system";
  } catch {
    return "system";
  }
}

function applyTheme(choice: ThemeChoice): void {
  if (choice === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

/** The current choice and a setter that stores and applies it; other tabs follow along. */
export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  useEffect(() => {
    // A choice made in another tab arrives as a storage event.
    const follow = (event: StorageEvent) => {
      if (event.key !== STORAGE_KEY) return;
      const next = isChoice(event.newValue) ? event.newValue : "system";
      applyTheme(next);
      setChoice(next);
    };
    window.addEventListener("storage", follow);
    return () => window.removeEventListener("storage", follow);
  }, []);
  return [
    choice,
    (next: ThemeChoice) => {
      try {
        if (next === "system") localStorage.removeItem(STORAGE_KEY);
        else localStorage.setItem(STORAGE_KEY, next);
      } catch {
        // Not stored (storage refused): it still applies to this page.
      }
      applyTheme(next);
      setChoice(next);
    },
  ];
}
