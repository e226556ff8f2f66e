/**
 * Connected components of a binary mask (8-connectivity), with the
 * statistics the digit selection needs.
 */

/** One 8-connected component of a mask. */
export interface Component {
  /** Label in `ComponentLabels.labels` (1-based). */
  label: number;
  /** Pixels in the component. */
  area: number;
  /** Bounding box, inclusive pixel coordinates. */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Σ ink over the component's pixels (the ink map given to `labelComponents`). */
  mass: number;
  /** Largest ink value in the component. */
  peak: number;
  /**
   * Length / thickness from the pixels' second moments (principal axes):
   * √(λ₁/λ₂) of the coordinates' covariance, so a thin diagonal line is as
   * elongated as a horizontal one (a bounding box would call it square).
   */
  elongation: number;
  /** Length along the principal axis, √(12·λ₁) (exact for a thin straight bar). */
  length: number;
  /** Which image edges the component touches. */
  touches: { left: boolean; top: boolean; right: boolean; bottom: boolean };
  /** How many of its pixels lie on each image edge. */
  contact: { left: number; top: number; right: number; bottom: number };
}

/** The labelling of a mask. */
export interface ComponentLabels {
  /** width·height labels, 0 = not in the mask, else the component's label. */
  labels: Int32Array;
  /** Components in label order (components[i].label === i + 1). */
  components: Component[];
}

/** Bounding-box width of a component in pixels. */
export function boxWidth(c: Component): number {
  return c.maxX - c.minX + 1;
}

/** Bounding-box height of a component in pixels. */
export function boxHeight(c: Component): number {
  return c.maxY - c.minY + 1;
}

/**
 * Labels the 8-connected components of `mask` by flood fill (an explicit
 * stack, so a page-sized component cannot overflow the call stack).
 * @param mask width·height, non-zero = in the mask.
 * @param ink width·height values summed into `mass` and `peak`.
 */
export function labelComponents(mask: Uint8Array, ink: Float32Array, width: number, height: number): ComponentLabels {
  const n = width * height;
  const labels = new Int32Array(n);
  const components: Component[] = [];
  const stack = new Int32Array(n);
  for (let start = 0; start < n; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    const label = components.length + 1;
    const component: Component = {
      label,
      area: 0,
      minX: width,
      minY: height,
      maxX: -1,
      maxY: -1,
      mass: 0,
      peak: 0,
      elongation: 1,
      length: 1,
      touches: { left: false, top: false, right: false, bottom: false },
      contact: { left: 0, top: 0, right: 0, bottom: 0 },
    };
    const contact = component.contact;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      component.area++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      if (x === 0) contact.left++;
      if (x === width - 1) contact.right++;
      if (y === 0) contact.top++;
      if (y === height - 1) contact.bottom++;
      const v = ink[i]!;
      component.mass += v;
      if (v > component.peak) component.peak = v;
      if (x < component.minX) component.minX = x;
      if (x > component.maxX) component.maxX = x;
      if (y < component.minY) component.minY = y;
      if (y > component.maxY) component.maxY = y;
      const x0 = x > 0 ? x - 1 : x;
      const x1 = x < width - 1 ? x + 1 : x;
      const y0 = y > 0 ? y - 1 : y;
      const y1 = y < height - 1 ? y + 1 : y;
      for (let yy = y0; yy <= y1; yy++) {
        const row = yy * width;
        for (let xx = x0; xx <= x1; xx++) {
          const j = row + xx;
          if (mask[j] !== 0 && labels[j] === 0) {
            labels[j] = label;
            stack[top++] = j;
          }
        }
      }
    }
    const a = component.area;
    // Covariance of the pixel coordinates, plus 1/12 per axis for a pixel's own extent.
    const cxx = sxx / a - (sx / a) ** 2 + 1 / 12;
    const cyy = syy / a - (sy / a) ** 2 + 1 / 12;
    const cxy = sxy / a - (sx / a) * (sy / a);
    const root = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy ** 2);
    const major = (cxx + cyy) / 2 + root;
    const minor = Math.max((cxx + cyy) / 2 - root, 1 / 12);
    component.elongation = Math.sqrt(major / minor);
    component.length = Math.sqrt(12 * major);
    component.touches = {
      left: component.minX === 0,
      top: component.minY === 0,
      right: component.maxX === width - 1,
      bottom: component.maxY === height - 1,
    };
    components.push(component);
  }
  return { labels, components };
}
