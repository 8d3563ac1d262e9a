import { describe, expect, it } from 'vitest';
import { directPagesMax } from './limits.ts';
import { PageTable } from './page-table.ts';

describe('PageTable', () => {
  // Pages from directPagesMax on are kept in the far map, not the direct array.
  const far = directPagesMax;

  it('maps, finds and unmaps the first page past the direct array', () => {
    const table = new PageTable(far + 4);
    table.set(far, 5);
    expect(table.get(far)).toBe(5);
    expect(table.size).toBe(1);
    table.delete(far);
    expect(table.get(far)).toBe(-1);
    expect(table.size).toBe(0);
  });

  it('visits the resident pages of a range, far ones included, last page first', () => {
    const table = new PageTable(far + 4);
    for (const page of [far, far + 1, far + 2, far + 3]) table.set(page, page - far + 10);
    table.set(1, 1);
    const visited = (first: number, end: number) => {
      const pages: [number, number][] = [];
      table.forEach(first, end, (page, frame) => pages.push([page, frame]));
      return pages;
    };
    expect(visited(far + 1, far + 3)).toEqual([
      [far + 2, 12],
      [far + 1, 11],
    ]);
    expect(visited(0, far + 4)).toEqual([
      [far + 3, 13],
      [far + 2, 12],
      [far + 1, 11],
      [far, 10],
      [1, 1],
    ]);
  });
});
