export type { Objective, ParameterTensor, HvpRequest } from './objective.js';
export { networkObjective, type NetworkObjectiveOptions } from './objective/network.js';
