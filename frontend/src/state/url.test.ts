import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { mergeSearch, navigate, readChoice, readInt, useUrlState } from './url';

describe('URL state', () => {
  it('merges changes into the query, removes cleared keys and sorts them', () => {
    expect(mergeSearch('?range=90&grain=day', { range: 30, page: null })).toBe('?grain=day&range=30');
    expect(mergeSearch('?page=2', { page: null })).toBe('');
    expect(mergeSearch('', { domain: '' })).toBe('');
  });

  it('reads only allowed choices and integers in range', () => {
    const params = new URLSearchParams('range=90&bad=7&page=3&neg=-1&text=x1');
    expect(readChoice(params, 'range', ['30', '90'] as const, '30')).toBe('90');
    expect(readChoice(params, 'bad', ['30', '90'] as const, '30')).toBe('30');
    expect(readChoice(params, 'missing', ['30'] as const, '30')).toBe('30');
    expect(readInt(params, 'page', 1, 10, 1)).toBe(3);
    expect(readInt(params, 'neg', 1, 10, 1)).toBe(1);
    expect(readInt(params, 'text', 1, 10, 1)).toBe(1);
  });

  it('pushes a history entry per change and follows back/forward', () => {
    window.history.replaceState(null, '', '/aw');
    const { result } = renderHook(() => useUrlState());
    act(() => result.current[1]({ range: '30' }));
    expect(window.location.pathname + window.location.search).toBe('/aw?range=30');
    expect(result.current[0].get('range')).toBe('30');
    act(() => navigate('/wwi?days=90'));
    expect(result.current[0].get('days')).toBe('90');
    act(() => {
      window.history.replaceState(null, '', '/aw?range=365');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(result.current[0].get('range')).toBe('365');
  });
});
