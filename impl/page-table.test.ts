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

  it('holds 1,024 pages at first, and every direct page once a page past them is mapped', () => {
    const table = new PageTable(far + 4);
    expect(table.direct.length).toBe(1024);
    table.set(7, 3);
    expect(table.get(5000)).toBe(-1);
    table.set(5000, 4);
    // One step to every direct page: doubling left copies behind adding up to the table's size.
    expect(table.direct.length).toBe(far);
    expect([table.get(7), table.get(5000), table.get(5001)]).toEqual([3, 4, -1]);
    // The far ones stay in the map.
    table.set(far - 1, 5);
    table.set(far, 6);
    expect(table.direct.length).toBe(far);
    expect([table.get(far - 1), table.get(far)]).toEqual([5, 6]);
    expect(new PageTable(10).direct.length).toBe(10);
  });

  it('walks from the highest page ever mapped, also after it is unmapped', () => {
    const table = new PageTable(far);
    table.set(3000, 1);
    table.set(2000, 2);
    table.delete(3000);
    const pages: number[] = [];
    table.forEach(0, far, (page) => pages.push(page));
    expect(pages).toEqual([2000]);
    table.set(3000, 3);
    pages.length = 0;
    table.forEach(2500, far, (page) => pages.push(page));
    expect(pages).toEqual([3000]);
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
