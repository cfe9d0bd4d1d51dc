package webhook

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

func metav1TypeMeta() metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}
}
