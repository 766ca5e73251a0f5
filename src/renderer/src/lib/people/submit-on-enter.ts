/** Enter on a select submits its form, as it does in a text field (browsers leave Enter on a select alone). */
export function submitOnEnter(event: KeyboardEvent): void {
  const form = (event.currentTarget as HTMLSelectElement).form;
  if (event.key !== 'Enter' || !form) return;
  event.preventDefault();
  form.requestSubmit();
}
