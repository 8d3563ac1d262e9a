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

  it('reaches as far as the highest page mapped: 1,024 pages at first, doubled to take a page past the end', () => {
    const table = new PageTable(far + 4);
    expect(table.direct.length).toBe(1024);
    table.set(7, 3);
    expect(table.get(5000)).toBe(-1);
    table.set(5000, 4);
    expect(table.direct.length).toBe(8192);
    expect([table.get(7), table.get(5000), table.get(5001)]).toEqual([3, 4, -1]);
    // Never past the direct pages: the far ones stay in the map.
    table.set(far - 1, 5);
    table.set(far, 6);
    expect(table.direct.length).toBe(far);
    expect([table.get(far - 1), table.get(far)]).toEqual([5, 6]);
    expect(new PageTable(10).direct.length).toBe(10);
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
