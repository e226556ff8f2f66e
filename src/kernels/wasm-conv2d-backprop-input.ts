/**
 * A faster `Conv2DBackpropInput` for the wasm backend (stride 1).
 *
 * The stock tfjs-backend-wasm 4.22 kernel is a scalar C++ loop
 * (src/cc/kernels/Conv2DBackpropInput.cc): 75-110 ms per call for the
 * tutorial CNN's conv2 at batch 32, about ten times its forward convolution
 * (~9.5 ms) and the largest single cost of a training step. This path: ~9.5 ms. For stride 1 the input gradient is
 * an ordinary convolution, which XNNPACK runs with SIMD:
 *   dx[n, h, w, ci] = sum_{kh, kw, co} dy[n, h + pT - kh, w + pL - kw, co] * W[kh, kw, ci, co]
 *                   = conv2d(dy, W', stride 1, pads top KH-1-pT, bottom KH-1-pB, left KW-1-pL, right KW-1-pR)
 * with W'[a, b, co, ci] = W[KH-1-a, KW-1-b, ci, co] (the filter rotated by
 * 180 degrees with its channel axes swapped): substituting a = KH-1-kh turns
 * the sum into a correlation of dy padded by KH-1-pT on top.
 * Strides > 1, and explicit pads wider than the filter (negative pads
 * above), go to the stock kernel, which is correct, only slow.
 */
import tf = require('@tensorflow/tfjs-core');
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeIntermediate, heapF32, runWasmKernel } from './wasm-kernel-util.js';

const { backend_util, Conv2DBackpropInput } = tf;

/**
 * Input gradient of a stride-1 NHWC conv2d through XNNPACK, or `undefined`
 * when this fast path does not apply (stride > 1, NCHW, non-float32, pads
 * wider than the filter): the caller then uses the stock kernel.
 * @param dy [N, OH, OW, co] float32
 * @param filter [KH, KW, ci, co] float32
 * @param attrs the forward convolution's strides, pad, dimRoundingMode, inputShape [N, H, W, ci]
 * @returns dx [N, H, W, ci] float32 TensorInfo owned by the caller, or undefined.
 */
export function conv2dBackpropInputWasm(
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
  backend: BackendWasm,
): TensorInfo | undefined {
  if (attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return undefined;
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const pads = {
    top: kh - 1 - info.padInfo.top,
    bottom: kh - 1 - info.padInfo.bottom,
    left: kw - 1 - info.padInfo.left,
    right: kw - 1 - info.padInfo.right,
  };
  if (Object.values(pads).some((p) => p < 0)) return undefined;

  const rotated = backend.makeOutput([kh, kw, co, ci], 'float32');
  const w = heapF32(backend, filter);
  const wr = heapF32(backend, rotated);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const src = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
      const dst = (a * kw + b) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) wr[dst + o * ci + i] = w[src + i * co + o] as number;
      }
    }
  }
  const convAttrs: NamedAttrMap = {
    strides: [1, 1],
    dilations: [1, 1],
    pad: [
      [0, 0],
      [pads.top, pads.bottom],
      [pads.left, pads.right],
      [0, 0],
    ],
    dataFormat: 'NHWC',
  };
  try {
    const dx = runWasmKernel('Conv2D', { x: dy, filter: rotated }, convAttrs, backend);
    const expected = info.inShape;
    if (dx.shape.some((d, i) => d !== expected[i])) {
      disposeIntermediate(backend, dx);
      throw new Error(`Conv2DBackpropInput produced [${dx.shape.join(', ')}], expected [${expected.join(', ')}]`);
    }
    return dx;
  } finally {
    // Disposing the rotated filter also frees the XNNPACK operator cached for it.
    disposeIntermediate(backend, rotated);
  }
}

/**
 * Kernel registration for `Conv2DBackpropInput` on 'wasm': the XNNPACK path
 * above, else the stock kernel `stock` (captured by registerWasmKernels),
 * whose setupFunc this config keeps so the fallback is initialised with the
 * backend even though the stock config itself is no longer registered.
 */
export function createWasmConv2dBackpropInputConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = ((args) => {
    const { dy, filter } = args.inputs;
    if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput needs inputs dy and filter');
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    return conv2dBackpropInputWasm(dy, filter, attrs, args.backend as BackendWasm) ?? stock.kernelFunc(args);
  }) satisfies KernelFunc;
  const config: KernelConfig = { kernelName: Conv2DBackpropInput, backendName: 'wasm', kernelFunc };
  if (stock.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
  return config;
}
