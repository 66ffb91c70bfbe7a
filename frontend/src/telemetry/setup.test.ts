import { describe, expect, it } from 'vitest';

import { propagationTargets } from './setup';

describe('trace header propagation', () => {
  it('goes to the gateway origin only', () => {
    const [target, ...rest] = propagationTargets('http://localhost:8000/base');
    expect(rest).toHaveLength(0);
    expect(target?.test('http://localhost:8000/api/aw/sales/kpis')).toBe(true);
    expect(target?.test('http://localhost:8000')).toBe(true);
    expect(target?.test('http://localhost:80001/api')).toBe(false);
    expect(target?.test('http://localhost:9000/token')).toBe(false);
    expect(target?.test('https://localhost:8000/api')).toBe(false);
    expect(target?.test('http://evil.test/?u=http://localhost:8000/')).toBe(false);
  });

  it('adds no cross-origin target when the API is same-origin', () => {
    expect(propagationTargets('')).toEqual([]);
  });
});
