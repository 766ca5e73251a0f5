import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_LENGTH } from '../../src/shared/people';
import { linkAddress, passwordProblem } from '../../src/renderer/src/lib/people/forms';

describe('People view forms', () => {
  it('asks for a password of the length the server enforces, typed the same twice, or none at all', () => {
    const enough = 'x'.repeat(MIN_PASSWORD_LENGTH);
    expect(passwordProblem('', '')).toBeNull();
    expect(passwordProblem(enough, enough)).toBeNull();
    expect(passwordProblem(enough.slice(1), enough.slice(1))).toBe(`A password has at least ${MIN_PASSWORD_LENGTH} characters.`);
    expect(passwordProblem(enough, `${enough}y`)).toBe('The two passwords differ; type the same password twice.');
    expect(passwordProblem(enough, '')).toBe('The two passwords differ; type the same password twice.');
    expect(passwordProblem('', enough)).toBe(`A password has at least ${MIN_PASSWORD_LENGTH} characters.`);
  });

  it('hands over a link on the team server’s own address, and only the path elsewhere', () => {
    const path = '/session/link?token=abc_DEF-123';
    expect(linkAddress(path, true, 'https://grading.clinic.example:8443')).toBe('https://grading.clinic.example:8443/session/link?token=abc_DEF-123');
    expect(linkAddress(path, false, 'http://127.0.0.1:5173')).toBe(path);
  });
});
