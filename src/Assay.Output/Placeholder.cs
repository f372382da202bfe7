namespace Assay.Output;
