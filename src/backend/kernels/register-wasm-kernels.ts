/**
 * Registers this project's fixes for the tfjs-backend-wasm 4.22 kernel set:
 *  - Conv2DBackpropFilter (missing: training any conv layer threw),
 *  - MaxPoolGrad (the stock kernel misroutes gradients; see wasm-max-pool-grad.ts),
 *  - Conv2DBackpropInput (one XNNPACK product + col2im instead of a scalar loop),
 *  - UnsortedSegmentSum (missing: the gradient of gather),
 *  - BatchMatMul (transposed products through XNNPACK instead of a scalar loop),
 *  - Sum and Mean (leading- or middle-axes reductions, the bias gradients and
 *    Grad-CAM's channel weights, without a transpose),
 *  - Identity and same-dtype Cast (no copy: the output shares the input's buffer),
 *  - FusedConv2D and Conv2D (direct SIMD convolution for few input channels,
 *    Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions),
 *  - MaxPool (2x2 stride 2 in SIMD, equal to the cpu backend).
 * Kernel registration is global (tfjs-core's kernel registry, keyed by
 * backend name), so this works before or after the wasm backend initialises.
 * Configs that fall back to a stock kernel keep its setupFunc, so the
 * fallback is initialised with the backend. Registration itself does no
 * work beyond the registry updates (start-up time matters for `explain`).
 */
import tf = require('@tensorflow/tfjs-core');
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { wasmConv2dBackpropFilterConfig } from './wasm-conv2d-backprop-filter.js';
import { createWasmBatchMatMulConfig } from './wasm-batch-mat-mul.js';
import { createWasmConv2dBackpropInputConfig } from './wasm-conv2d-backprop-input.js';
import { createWasmCastConfig, createWasmIdentityConfig } from './wasm-identity.js';
import { wasmMaxPoolGradConfig } from './wasm-max-pool-grad.js';
import { createWasmMeanConfig, createWasmSumConfig } from './wasm-sum.js';
import { createWasmConv2dConfig, createWasmFusedConv2dConfig } from './wasm-conv2d.js';
import { createWasmMaxPoolConfig } from './wasm-max-pool.js';
import { wasmUnsortedSegmentSumConfig } from './wasm-unsorted-segment-sum.js';

const { getKernel, registerKernel, unregisterKernel } = tf;

/** Stock wasm kernels this module replaced, by kernel name. */
const stockKernels = new Map<string, KernelConfig>();
let registeredOnce = false;

/** The stock wasm kernel `name`, which one of ours wraps as its fallback. */
function stock(name: string): KernelConfig {
  const config = getKernel(name, 'wasm');
  if (config === undefined) {
    // Importing the wasm backend later would re-register its stock kernels over ours.
    throw new Error(`registerWasmKernels() needs the wasm kernels ("${name}" is missing): import '@tensorflow/tfjs-backend-wasm' first`);
  }
  return config;
}

function ourConfigs(): KernelConfig[] {
  return [
    wasmConv2dBackpropFilterConfig,
    wasmMaxPoolGradConfig,
    wasmUnsortedSegmentSumConfig,
    createWasmConv2dBackpropInputConfig(stock('Conv2DBackpropInput')),
    createWasmBatchMatMulConfig(stock('BatchMatMul')),
    createWasmSumConfig(stock('Sum')),
    createWasmMeanConfig(stock('Mean')),
    createWasmFusedConv2dConfig(stock('FusedConv2D')),
    createWasmConv2dConfig(stock('Conv2D')),
    createWasmMaxPoolConfig(stock('MaxPool')),
    createWasmIdentityConfig(stock('Identity')),
    createWasmCastConfig(stock('Cast')),
  ];
}

/**
 * Registers the kernels above for the 'wasm' backend, replacing stock ones
 * (without tfjs's "already registered" warning). Idempotent: a second call
 * changes nothing. Call it after importing '@tensorflow/tfjs-backend-wasm'
 * (whose import registers the stock kernels) and before the first wasm op
 * that needs them; `initBackend` does this for you.
 * @returns the names of the kernels registered by this call.
 */
export function registerWasmKernels(): string[] {
  const registered: string[] = [];
  if (registeredOnce) return registered;
  for (const config of ourConfigs()) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing !== undefined) {
      stockKernels.set(config.kernelName, existing);
      unregisterKernel(config.kernelName, 'wasm');
    }
    registerKernel(config);
    registered.push(config.kernelName);
  }
  registeredOnce = true;
  return registered;
}

/**
 * The stock tfjs-backend-wasm kernel that `registerWasmKernels` replaced,
 * e.g. to show in a test that the stock `MaxPoolGrad` misroutes gradients.
 * Its setupFunc must have run (it does when the wasm backend initialises
 * while the stock kernel is registered). `undefined` if nothing was replaced.
 */
export function stockWasmKernel(kernelName: string): KernelConfig | undefined {
  return stockKernels.get(kernelName);
}

/** Names of the stock tfjs-backend-wasm kernels that `registerWasmKernels` replaced (not those it added). */
export function replacedWasmKernelNames(): string[] {
  return [...stockKernels.keys()];
}
