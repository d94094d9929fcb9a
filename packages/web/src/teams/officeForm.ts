/** The configuration form's rules, the same limits the server's TeamsTabBody schema enforces. */

export const NAME_MAX = 60;
export const DESCRIPTION_MAX = 280;

export interface OfficeFormValues {
  name: string;
  description: string;
  /** Only asked on a tab's first configuration; an existing office keeps its map. */
  template: string | undefined;
}

export interface OfficeFormErrors {
  name?: string;
  description?: string;
  template?: string;
}

export interface OfficeFormCheck {
  valid: boolean;
  errors: OfficeFormErrors;
}

export function checkOfficeForm(values: OfficeFormValues, opts: { needsTemplate: boolean }): OfficeFormCheck {
  const errors: OfficeFormErrors = {};
  const name = values.name.trim();
  if (!name) errors.name = 'Give the office a name.';
  else if ([...name].length > NAME_MAX) errors.name = `Keep the name to ${NAME_MAX} characters or fewer.`;
  if ([...values.description.trim()].length > DESCRIPTION_MAX) errors.description = `Keep the description to ${DESCRIPTION_MAX} characters or fewer.`;
  if (opts.needsTemplate && !values.template) errors.template = 'Choose a floor plan.';
  return { valid: Object.keys(errors).length === 0, errors };
}
