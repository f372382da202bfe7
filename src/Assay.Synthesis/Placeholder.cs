namespace Assay.Synthesis;
