import { describe, expect, it } from 'vitest';
import { checkOfficeForm, DESCRIPTION_MAX, NAME_MAX } from './officeForm.js';

const ok = { name: 'Design studio', description: '', template: 'small-office' };

describe('checkOfficeForm', () => {
  it('accepts a name, an optional description and a template', () => {
    expect(checkOfficeForm(ok, { needsTemplate: true })).toEqual({ valid: true, errors: {} });
  });
  it('needs a name that is not only spaces', () => {
    expect(checkOfficeForm({ ...ok, name: '   ' }, { needsTemplate: true })).toEqual({ valid: false, errors: { name: 'Give the office a name.' } });
  });
  it('limits the name to 60 and the description to 280 characters, counting characters, not UTF-16 units', () => {
    expect(checkOfficeForm({ ...ok, name: 'x'.repeat(NAME_MAX) }, { needsTemplate: true }).valid).toBe(true);
    expect(checkOfficeForm({ ...ok, name: 'x'.repeat(NAME_MAX + 1) }, { needsTemplate: true }).errors.name).toMatch(/60/);
    expect(checkOfficeForm({ ...ok, name: '🏢'.repeat(NAME_MAX) }, { needsTemplate: true }).valid).toBe(true);
    expect(checkOfficeForm({ ...ok, description: 'd'.repeat(DESCRIPTION_MAX) }, { needsTemplate: true }).valid).toBe(true);
    expect(checkOfficeForm({ ...ok, description: 'd'.repeat(DESCRIPTION_MAX + 1) }, { needsTemplate: true }).errors.description).toMatch(/280/);
  });
  it('asks for a template only on first configuration', () => {
    expect(checkOfficeForm({ ...ok, template: undefined }, { needsTemplate: true }).errors).toEqual({ template: 'Choose a floor plan.' });
    expect(checkOfficeForm({ ...ok, template: undefined }, { needsTemplate: false }).valid).toBe(true);
  });
});
