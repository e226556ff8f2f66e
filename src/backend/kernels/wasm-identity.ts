/**
 * `Identity` and same-dtype `Cast` for the wasm backend without a copy.
 *
 * The stock tfjs-backend-wasm 4.22 kernels allocate a new heap buffer and
 * copy the input into it (kernels/Identity.ts, kernels/Cast.ts). During
 * training that copy runs ~40 times per step: the engine clones every tensor
 * a gradient needs later (`saveTensorsForBackwardMode` -> `clone` -> Identity,
 * tfjs-core engine.ts), and the ReLU gradient casts a float32 mask to float32
 * (tfjs-core gradients/Relu_grad.ts); ~3 ms of a batch-32 step.
 *
 * Tensor data is immutable in TensorFlow.js (a Variable's `assign` swaps in
 * another buffer), so the output can share the input's buffer, with the
 * backend's reference count keeping it alive until both are disposed: what
 * the wasm `Reshape` kernel and tfjs-backend-cpu's `Identity` and same-dtype
 * `Cast` already do. XNNPACK operators cached by tensor id stay valid:
 * same id, same values, same shape.
 *
 * String tensors and dtype-changing casts go to the stock kernels.
 */
import type { CastAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withStockFallback } from './wasm-kernel-util.js';

/**
 * A new TensorInfo sharing `x`'s heap buffer (its reference count is raised).
 * @returns same shape and dtype as `x`; the caller (normally the engine) owns it.
 */
export function shareBuffer(x: TensorInfo, backend: BackendWasm): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** Registration for `Identity` on 'wasm': a shared buffer, except for strings (stock kernel). */
export function createWasmIdentityConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, backend }) => {
    const { x } = inputs;
    if (x === undefined) throw new Error('Identity needs input x');
    return x.dtype === 'string' ? undefined : shareBuffer(x, backend);
  });
}

/** Registration for `Cast` on 'wasm': a shared buffer when the dtype does not change, else the stock kernel. */
export function createWasmCastConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (x === undefined) throw new Error('Cast needs input x');
    const { dtype } = attrs as unknown as CastAttrs;
    return x.dtype === dtype && dtype !== 'string' ? shareBuffer(x, backend) : undefined;
  });
}
