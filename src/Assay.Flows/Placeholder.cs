namespace Assay.Flows;
