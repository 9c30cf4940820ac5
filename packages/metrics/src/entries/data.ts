// @pacgen/metrics/data: data sets as typed arrays — IDX (MNIST) and CIFAR binary parsers, the
// toy Gaussian mixture and CIFAR-shaped synthetic sets, normalization and sample subsets.
// Browser-safe; loading from disk is in '/node'.

export type { Dataset, DataSplit } from '../data/dataset.js';
export {
  CIFAR100_STATS,
  CIFAR10_STATS,
  MNIST_STATS,
  byteChannelStats,
  resolveNormalization,
  testSplitNormalization,
  type ChannelStats,
  type Normalization,
} from '../data/transform.js';
export {
  chooseSamples,
  describeSelection,
  selectSubset,
  subsetSamples,
  type SampleChoice,
  type SampleSelection,
  type SubsetMode,
} from '../data/subset.js';
export {
  idxDataset,
  isGzip,
  readIdx,
  readIdxHeader,
  writeIdx,
  type IdxArray,
  type IdxDatasetOptions,
  type IdxDtype,
} from '../data/idx.js';
export { cifarDataset, type CifarOptions, type CifarVariant } from '../data/cifar.js';
export {
  TOY_MIXTURE,
  cifarLike,
  mixtureDensity,
  mixtureMedianDensity,
  sampleMixture,
  toyGaussianMixture,
  type CifarLikeOptions,
  type GaussianMixture,
  type ToyData,
  type ToyOptions,
} from '../data/synthetic.js';
