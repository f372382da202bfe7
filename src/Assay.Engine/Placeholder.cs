namespace Assay.Engine;
