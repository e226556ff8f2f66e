import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import '@tensorflow/tfjs-layers';
import { GradcamError } from '../../../src/errors.js';
import { assertSupportedLayers, normaliseKerasConfig, type KerasObject } from '../../../src/model/formats/keras-config.js';

const policy = (name: string) => ({ module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null });
const tensor = (layer: string, node = 0, index = 0) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: [layer, node, index] } });
const functional = (layers: unknown[], extra: Record<string, unknown> = {}) => ({ class_name: 'Functional', config: { name: 'f', layers, ...extra } });
const layer = (entry: Record<string, unknown>) => normaliseKerasConfig(functional([entry])).config.layers as Record<string, unknown>[];

describe('normaliseKerasConfig', () => {
  const cases: [string, unknown, unknown][] = [
    ['InputLayer batch_shape → batch_input_shape', { class_name: 'InputLayer', config: { batch_shape: [null, 8, 8, 1], name: 'in' } }, { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 8, 8, 1] } }],
    ['a DTypePolicy object → its dtype name', { class_name: 'Dense', config: { units: 2, dtype: policy('float32') } }, { class_name: 'Dense', config: { units: 2, dtype: 'float32' } }],
    ['mixed precision policies compute in float32', { class_name: 'Dense', config: { dtype: policy('mixed_float16') } }, { class_name: 'Dense', config: { dtype: 'float32' } }],
    ['a Keras 2 mixed precision Policy', { class_name: 'Dense', config: { dtype: { class_name: 'Policy', config: { name: 'mixed_bfloat16' } } } }, { class_name: 'Dense', config: { dtype: 'float32' } }],
    [
      'module, registered_name, build_config and compile_config dropped at every depth',
      { module: 'keras.layers', class_name: 'Conv2D', registered_name: null, build_config: { input_shape: [null, 8, 8, 1] }, compile_config: {}, config: { kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null } } },
      { class_name: 'Conv2D', config: { kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } } } },
    ],
    [
      'input shapes kept only on InputLayers and a Sequential\'s first layer',
      { class_name: 'Sequential', config: { layers: [{ class_name: 'Conv2D', config: { batch_input_shape: [null, 8, 8, 1] } }, { class_name: 'Dense', config: { batch_input_shape: [null, 784], units: 2 } }] } },
      { class_name: 'Sequential', config: { layers: [{ class_name: 'Conv2D', config: { batch_input_shape: [null, 8, 8, 1] } }, { class_name: 'Dense', config: { units: 2 } }] } },
    ],
    [
      'a Sequential without InputLayer: build_input_shape goes to its first layer',
      { class_name: 'Sequential', config: { build_input_shape: [null, 4], layers: [{ class_name: 'Dense', config: { units: 2 } }] } },
      { class_name: 'Sequential', config: { build_input_shape: [null, 4], layers: [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 4] } }] } },
    ],
    ['a single input_layers/output_layers triple is wrapped', functional([], { input_layers: ['in', 0, 0], output_layers: [['out', 0, 0]] }), functional([], { input_layers: [['in', 0, 0]], output_layers: [['out', 0, 0]] })],
  ];
  for (const [what, input, expected] of cases) {
    it(what, () => assert.deepEqual(normaliseKerasConfig(input), expected));
  }

  const nodeCases: [string, unknown, unknown][] = [
    ['one tensor', { args: [tensor('conv2d')], kwargs: {} }, [['conv2d', 0, 0, {}]]],
    ['a list of tensors (Add, Concatenate), kwargs kept', { args: [[tensor('a'), tensor('b', 1, 2)]], kwargs: { axis: -1 } }, [['a', 0, 0, { axis: -1 }], ['b', 1, 2, { axis: -1 }]]],
    ['a __tuple__ of tensors', { args: [{ class_name: '__tuple__', config: { value: [tensor('a'), tensor('b')] } }], kwargs: {} }, [['a', 0, 0, {}], ['b', 0, 0, {}]]],
    ['a Keras 2 node passes through', [['a', 0, 0, {}]], [['a', 0, 0, {}]]],
  ];
  for (const [what, node, expected] of nodeCases) {
    it(`Keras 3 inbound node → Keras 2 list: ${what}`, () => {
      assert.deepEqual(layer({ class_name: 'Dense', name: 'd', config: { name: 'd' }, inbound_nodes: [node] })[0]!.inbound_nodes, [expected]);
    });
  }

  it('Keras 3 numbers a nested model\'s calls from 0, tfjs from 1 (its own node first): references are shifted', () => {
    const nested = { class_name: 'Sequential', config: { name: 'inner', layers: [] }, name: 'inner', inbound_nodes: [{ args: [tensor('in')], kwargs: {} }] };
    const head = { class_name: 'Dense', config: { name: 'd' }, name: 'd', inbound_nodes: [{ args: [tensor('inner')], kwargs: {} }] };
    const out = normaliseKerasConfig(functional([nested, head], { output_layers: [['inner', 0, 0]] })).config;
    const layers = out.layers as { inbound_nodes: unknown }[];
    assert.deepEqual(layers[0]!.inbound_nodes, [[['in', 0, 0, {}]]]);
    assert.deepEqual(layers[1]!.inbound_nodes, [[['inner', 1, 0, {}]]]);
    assert.deepEqual(out.output_layers, [['inner', 1, 0]]);
    const keras2 = functional([{ ...nested, inbound_nodes: [[['in', 0, 0, {}]]] }, { ...head, inbound_nodes: [[['inner', 1, 0, {}]]] }]);
    assert.deepEqual(normaliseKerasConfig(keras2), keras2, 'Keras 2 configs already count it');
  });

  it('leaves a Keras 2 config as it is, and does not modify its argument', () => {
    const keras2 = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 1], dtype: 'float32' } }, { class_name: 'Dense', config: { units: 3 } }] } };
    const keras3 = functional([{ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 2], dtype: policy('float32') }, name: 'in', inbound_nodes: [] }]);
    const before = JSON.stringify(keras3);
    assert.deepEqual(normaliseKerasConfig(keras2), keras2);
    normaliseKerasConfig(keras3);
    assert.equal(JSON.stringify(keras3), before);
  });

  it('refuses a config that is not a Keras object', () => {
    assert.throws(() => normaliseKerasConfig({ layers: [] }), (error: unknown) => error instanceof GradcamError && /no "class_name" and "config"/.test(error.message));
  });
});

describe('assertSupportedLayers', () => {
  const model = (className: string): KerasObject => ({
    class_name: 'Functional',
    config: { layers: [{ class_name: 'Conv2D', config: {} }, { class_name: 'Sequential', config: { layers: [{ class_name: className, config: {} }] } }] },
  });
  it('accepts models whose layers tfjs-layers has, nested models included', () => {
    for (const className of ['Dense', 'BatchNormalization', 'DepthwiseConv2D', 'SeparableConv2D', 'GlobalAveragePooling2D', 'Rescaling', 'ZeroPadding2D', 'Add', 'Concatenate', 'ReLU', 'Softmax']) {
      assertSupportedLayers(model(className), 'm.h5');
    }
  });
  it('names an unknown class inside a nested model, with the converter command', () => {
    assert.throws(
      () => assertSupportedLayers(model('MultiHeadAttention'), 'm.h5'),
      (error: unknown) => error instanceof GradcamError && error.message === 'm.h5: layer class "MultiHeadAttention" is not supported by TensorFlow.js layers; if the converter supports it, try tensorflowjs_converter --input_format keras m.h5 out/ and pass --model out/',
    );
  });
});
