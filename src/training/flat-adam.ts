/**
 * Adam over one flat Float32Array of all trainable weights, for the training
 * workers: the same update as tfjs's AdamOptimizer (tfjs-core
 * optimizers/adam_optimizer.ts; Kingma & Ba, arXiv:1412.6980, Algorithm 1)
 *
 *   m ← β1·m + (1−β1)·g        v ← β2·v + (1−β2)·g²
 *   w ← w − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
 *
 * but as one pass of plain JavaScript instead of ~12 tfjs ops per variable
 * (about 100 kernel calls a step for the tutorial CNN: ~4 ms on wasm, against
 * ~1.1 ms for this loop over its 121,930 weights). The constants are the float32 values
 * tfjs uses (β2 = 0.999 is 0.99900001 in float32, so 1 − β2^t differs from
 * the float64 value by 1.3e-5 relative in the first step), including β^t
 * as tfjs's running float32 product; the loop computes in float64 and stores
 * float32, so it matches tfjs (float32 after every op) to rounding.
 * Deterministic: replicas fed the same gradients stay bit-identical.
 *
 * State layout follows tfjs's `getWeights()`: the iteration count, then the
 * first moments per variable, then the second moments, so the state moves to
 * and from a tfjs AdamOptimizer with get/setWeights.
 */
import type { SerializedTensor } from './protocol.js';

/** Adam's settings, as `AdamOptimizer.getConfig()` reports them. */
export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Name and shape of one variable of the flat vector, in order. */
export interface FlatVariable {
  name: string;
  shape: number[];
}

export class FlatAdam {
  /** Steps taken so far (tfjs's `iterations`). */
  iterations = 0;
  private readonly firstMoment: Float32Array;
  private readonly secondMoment: Float32Array;
  /** β1^t and β2^t for the next step t, as tfjs's float32 `accBeta1`/`accBeta2` variables hold them. */
  private betaPower1: number;
  private betaPower2: number;

  /**
   * @param weights the flat weights, updated in place by `apply`.
   * @param variables the variables the flat vector concatenates (for the state's names and shapes).
   */
  constructor(
    private readonly config: AdamConfig,
    readonly weights: Float32Array,
    private readonly variables: FlatVariable[],
  ) {
    this.firstMoment = new Float32Array(weights.length);
    this.secondMoment = new Float32Array(weights.length);
    this.betaPower1 = Math.fround(config.beta1);
    this.betaPower2 = Math.fround(config.beta2);
  }

  /** Whether an optimizer's config is Adam's (all four settings present as numbers). */
  static isAdamConfig(config: Record<string, unknown>): config is Record<string, unknown> & AdamConfig {
    return ['learningRate', 'beta1', 'beta2', 'epsilon'].every((key) => typeof config[key] === 'number');
  }

  /** One Adam step with `gradient` (same layout as the weights). */
  apply(gradient: Float32Array): void {
    const f = Math.fround;
    const { weights, firstMoment: m, secondMoment: v } = this;
    // tfjs turns each JavaScript number into a float32 scalar before use.
    const beta1 = f(this.config.beta1);
    const beta2 = f(this.config.beta2);
    const keep1 = f(1 - this.config.beta1);
    const keep2 = f(1 - this.config.beta2);
    const epsilon = f(this.config.epsilon);
    const learningRate = f(this.config.learningRate);
    const correction1 = f(1 - this.betaPower1);
    const correction2 = f(1 - this.betaPower2);
    for (let i = 0; i < weights.length; i++) {
      const g = gradient[i]!;
      const mi = beta1 * m[i]! + keep1 * g;
      const vi = beta2 * v[i]! + keep2 * g * g;
      m[i] = mi;
      v[i] = vi;
      weights[i] = weights[i]! - (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
    }
    this.iterations++;
    this.betaPower1 = f(this.betaPower1 * beta1);
    this.betaPower2 = f(this.betaPower2 * beta2);
  }

  /** The state in tfjs AdamOptimizer `getWeights()` order: iteration, first moments, second moments (copies). */
  getState(): SerializedTensor[] {
    const moments = (flat: Float32Array, suffix: string): SerializedTensor[] => {
      let offset = 0;
      return this.variables.map(({ name, shape }) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const values = flat.slice(offset, offset + size);
        offset += size;
        return { name: `${name}/${suffix}`, shape, dtype: 'float32', values };
      });
    };
    return [
      { name: 'iter', shape: [], dtype: 'int32', values: Int32Array.of(this.iterations) },
      ...moments(this.firstMoment, 'm'),
      ...moments(this.secondMoment, 'v'),
    ];
  }

  /**
   * Loads a state in the same order (as a tfjs AdamOptimizer's `getWeights()`
   * gives it). A state holding only the iteration count (a fresh tfjs Adam)
   * leaves the moments at zero.
   * @throws Error when the moments do not match the variables' sizes.
   */
  setState(state: SerializedTensor[]): void {
    const [iteration, ...moments] = state;
    this.iterations = iteration === undefined ? 0 : Number(iteration.values[0] ?? 0);
    // What tfjs's setWeights sets accBeta to: pow(β, iterations + 1) in float32.
    this.betaPower1 = Math.fround(Math.fround(this.config.beta1) ** (this.iterations + 1));
    this.betaPower2 = Math.fround(Math.fround(this.config.beta2) ** (this.iterations + 1));
    if (moments.length === 0) return;
    if (moments.length !== 2 * this.variables.length) {
      throw new Error(`Adam state holds ${moments.length} moment tensors, expected ${2 * this.variables.length}`);
    }
    const fill = (flat: Float32Array, parts: SerializedTensor[]) => {
      let offset = 0;
      for (const part of parts) {
        if (offset + part.values.length > flat.length) throw new Error(`Adam state ${part.name} overflows the ${flat.length} weights`);
        flat.set(part.values, offset);
        offset += part.values.length;
      }
      if (offset !== flat.length) throw new Error(`Adam state covers ${offset} of ${flat.length} weights`);
    };
    fill(this.firstMoment, moments.slice(0, this.variables.length));
    fill(this.secondMoment, moments.slice(this.variables.length));
  }
}
