// System / Light / Dark, at the foot of the navigation (in the menu on a phone).
import { useId } from "react";
import { type ThemeChoice, useTheme } from "../lib/theme.ts";

const CHOICES: { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export function ThemeSelect() {
  const [choice, setChoice] = useTheme();
  const id = useId();
  return (
    <div className="theme-select">
      <label className="label" htmlFor={id}>
        Theme
      </label>
      <select id={id} value={choice} onChange={(event) => setChoice(event.target.value as ThemeChoice)}>
        {CHOICES.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
