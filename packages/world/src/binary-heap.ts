/** Min-heap of integer items ordered by a numeric key; ties come out in no particular (but deterministic) order. */
export class MinHeap {
  readonly #items: number[] = [];
  readonly #keys: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: number, key: number): void {
    const items = this.#items;
    const keys = this.#keys;
    let i = items.length;
    items.push(item);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentKey = keys[parent] as number;
      if (parentKey <= key) break;
      items[i] = items[parent] as number;
      keys[i] = parentKey;
      i = parent;
    }
    items[i] = item;
    keys[i] = key;
  }

  /** Removes and returns the item with the smallest key, or undefined when empty. */
  pop(): number | undefined {
    const items = this.#items;
    const keys = this.#keys;
    const top = items[0];
    const lastItem = items.pop();
    const lastKey = keys.pop();
    if (top === undefined || lastItem === undefined || lastKey === undefined) return undefined;
    const n = items.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let childKey = keys[left] as number;
      if (right < n) {
        const rightKey = keys[right] as number;
        if (rightKey < childKey) {
          child = right;
          childKey = rightKey;
        }
      }
      if (childKey >= lastKey) break;
      items[i] = items[child] as number;
      keys[i] = childKey;
      i = child;
    }
    items[i] = lastItem;
    keys[i] = lastKey;
    return top;
  }
}
